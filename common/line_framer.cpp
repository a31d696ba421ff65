// LineFramer: bounded newline framing. Lines are taken by offset and the consumed prefix is
// dropped once per feed, so many short lines in one read cost linear, not quadratic, time.
#include "line_framer.h"

namespace pmd {

void LineFramer::compact() {
  if (start_ == 0) return;
  buffer_.erase(0, start_);
  scan_from_ -= start_;
  start_ = 0;
}

void LineFramer::feed(std::string_view bytes) {
  compact();
  while (!bytes.empty()) {
    if (discarding_) {
      auto nl = bytes.find('\n');
      if (nl == std::string_view::npos) return;  // still inside the oversized line
      bytes.remove_prefix(nl + 1);
      discarding_ = false;
      continue;
    }
    buffer_.append(bytes);
    bytes = {};
    // A trailing partial line that already exceeds the bound is cut off now rather than buffered
    // without limit; the complete lines before it are still delivered first.
    auto last_nl = buffer_.rfind('\n');
    std::size_t tail_start = last_nl == std::string::npos ? 0 : last_nl + 1;
    if (buffer_.size() - tail_start > max_line_) {
      buffer_.resize(tail_start);
      if (scan_from_ > tail_start) scan_from_ = tail_start;
      discarding_ = true;
      report_oversized_ = true;
    }
  }
}

LineFramer::Frame LineFramer::next() {
  auto nl = buffer_.find('\n', scan_from_);
  if (nl == std::string::npos) {
    scan_from_ = buffer_.size();
    compact();
    if (report_oversized_) {
      report_oversized_ = false;
      return {Frame::Kind::kOversized, {}};
    }
    return {};
  }
  Frame frame;
  if (nl - start_ > max_line_) {
    frame.kind = Frame::Kind::kOversized;
  } else {
    frame.kind = Frame::Kind::kLine;
    if (start_ == 0 && nl + 1 == buffer_.size()) {
      // The buffer holds this one line and nothing after it (a large reply): hand it over whole.
      frame.line = std::move(buffer_);
      frame.line.pop_back();
      buffer_.clear();
      start_ = 0;
      scan_from_ = 0;
      if (!frame.line.empty() && frame.line.back() == '\r') frame.line.pop_back();
      return frame;
    }
    frame.line.assign(buffer_, start_, nl - start_);
    if (!frame.line.empty() && frame.line.back() == '\r') frame.line.pop_back();
  }
  start_ = nl + 1;
  scan_from_ = start_;
  return frame;
}

}  // namespace pmd
