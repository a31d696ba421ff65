// Splits a byte stream into newline-terminated messages with a size bound. Used for the NDJSON
// protocol on both sides of the socket; pure, so partial reads and floods are unit-tested.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace pmd {

class LineFramer {
 public:
  struct Frame {
    enum class Kind { kNone, kLine, kOversized };
    Kind kind = Kind::kNone;
    std::string line;  // without the trailing "\n" (and "\r")
  };

  explicit LineFramer(std::size_t max_line) : max_line_(max_line) {}

  /// Appends bytes as they were read from the socket.
  void feed(std::string_view bytes);

  /// Next complete message. An over-long line is reported once as kOversized and its bytes are
  /// discarded up to its newline, so the stream stays in sync and the next message is read whole.
  Frame next();

  /// True when a partial line is buffered (the peer hung up mid-message if the stream ends now).
  bool has_partial() const { return buffer_.size() > start_ || discarding_; }

 private:
  /// Drops the lines already taken from the front of the buffer.
  void compact();

  std::size_t max_line_;
  std::string buffer_;
  std::size_t start_ = 0;      // where the first line not yet taken begins
  std::size_t scan_from_ = 0;  // bytes of buffer_ already known to hold no newline
  bool discarding_ = false;    // inside an oversized line, dropping bytes until its newline
  bool report_oversized_ = false;
};

}  // namespace pmd
