// Cuts an app's output stream into lines: complete lines as they arrive, over-long lines in
// bounded pieces (never dropped), and the last unterminated line when the stream ends.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pmd {

class LineSplitter {
 public:
  static constexpr std::size_t kDefaultMaxLine = 64 * 1024;

  explicit LineSplitter(std::size_t max_line = kDefaultMaxLine) : max_line_(max_line) {}

  /// Calls emit(std::string_view line, bool continues) for every line completed by `data`, without
  /// the newline; `continues` marks a piece of an over-long line whose rest follows.
  template <typename Emit>
  void feed(std::string_view data, Emit&& emit) {
    if (skipping_) {
      auto nl = data.find('\n');
      if (nl == std::string_view::npos) return;
      skipping_ = false;
      data.remove_prefix(nl + 1);
    }
    while (!data.empty()) {
      auto nl = data.find('\n');
      std::string_view chunk = data.substr(0, nl);
      // The common case: a whole line inside this read goes out as it lies in the buffer.
      if (pending_.empty() && nl != std::string_view::npos && chunk.size() <= max_line_) {
        emit(strip_cr(chunk), false);
        data.remove_prefix(nl + 1);
        continue;
      }
      // Fill the pending line up to the bound; a full piece goes out on its own.
      while (pending_.size() + chunk.size() > max_line_) {
        std::size_t take = max_line_ - pending_.size();
        pending_.append(chunk.substr(0, take));
        emit(std::string_view(pending_), true);
        pending_.clear();
        chunk.remove_prefix(take);
      }
      pending_.append(chunk);
      if (nl == std::string_view::npos) return;
      emit(strip_cr(pending_), false);
      pending_.clear();
      data.remove_prefix(nl + 1);
    }
  }

  /// The start of a line not yet ended (handed to the next pmd on an upgrade).
  const std::string& pending() const { return pending_; }
  /// Continues a line another reader started (an upgraded pmd, from its predecessor).
  void restore_pending(std::string text) { pending_ = std::move(text); }
  /// Whether it drops what comes until the next newline (skip_to_line_end).
  bool skipping() const { return skipping_; }
  /// Drops what comes until the next newline: the start of that line was lost.
  void skip_to_line_end() {
    pending_.clear();
    skipping_ = true;
  }

  /// At end of stream: emits the unterminated last line, if any.
  template <typename Emit>
  void finish(Emit&& emit) {
    if (!pending_.empty()) emit(strip_cr(pending_), false);
    pending_.clear();
  }

 private:
  static std::string_view strip_cr(std::string_view v) {
    if (!v.empty() && v.back() == '\r') v.remove_suffix(1);
    return v;
  }

  std::size_t max_line_;
  std::string pending_;
  bool skipping_ = false;
};

}  // namespace pmd
