// json_member_text: a scan over valid JSON that only needs to know where strings, brackets and
// scalars end; validity was checked before, so nothing here has to reject anything.
#include "json_member_text.h"

#include <cstddef>

namespace pmd {

namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return at_end() ? '\0' : text_[pos_]; }
  std::size_t pos() const { return pos_; }
  void advance() { ++pos_; }

  void skip_space() {
    while (!at_end() && (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == '\n' || text_[pos_] == '\r'))
      ++pos_;
  }

  /// From an opening quote to just past the closing one; the raw text between them.
  std::string_view skip_string() {
    const std::size_t start = ++pos_;
    while (!at_end() && text_[pos_] != '"') pos_ += text_[pos_] == '\\' ? 2 : 1;
    std::string_view raw = text_.substr(start, pos_ - start);
    ++pos_;
    return raw;
  }

  /// Past one value; false when it nests deeper than `max_depth`.
  bool skip_value(int max_depth) {
    const char first = peek();
    if (first == '"') {
      skip_string();
      return true;
    }
    if (first != '{' && first != '[') {  // a number, true, false or null
      while (!at_end() && !is_delimiter(text_[pos_])) ++pos_;
      return true;
    }
    int depth = 0;
    do {
      const char c = peek();
      if (c == '"') {
        skip_string();
        continue;
      }
      if (c == '{' || c == '[') {
        if (++depth > max_depth) return false;
      } else if (c == '}' || c == ']') {
        --depth;
      }
      advance();
    } while (depth > 0 && !at_end());
    return true;
  }

 private:
  static bool is_delimiter(char c) {
    return c == ',' || c == '}' || c == ']' || c == ' ' || c == '\t' || c == '\n' || c == '\r';
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::optional<std::string_view> json_member_text(std::string_view text, std::string_view key, int max_depth) {
  Scanner scan(text);
  scan.skip_space();
  if (scan.peek() != '{' || max_depth < 1) return std::nullopt;
  scan.advance();
  std::optional<std::string_view> found;
  for (;;) {
    scan.skip_space();
    if (scan.peek() != '"') return found;  // '}': the end of the object
    const std::string_view name = scan.skip_string();
    scan.skip_space();
    scan.advance();  // ':'
    scan.skip_space();
    const std::size_t start = scan.pos();
    // The member's own levels count below the object that holds it.
    if (!scan.skip_value(max_depth - 1)) return std::nullopt;
    if (name == key) found = text.substr(start, scan.pos() - start);
    scan.skip_space();
    if (scan.peek() != ',') return found;
    scan.advance();
  }
}

}  // namespace pmd
