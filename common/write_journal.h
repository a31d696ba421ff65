// Where log files note the write they are making, in memory that outlives pmd (the output board,
// daemon/handover/output_board.h). Lines go to a file many at a time, one write for a whole read of an
// app's pipe; a SIGKILL can land inside that write and leave the file ending in half a line. The
// next pmd finds the note and cuts the file back to its last whole line (daemon/logs/torn_write.h) before it
// appends anything, so no line is ever glued to another's tail.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace pmd {

/// A write under way: which file (its path, and the identity that proves it is still that file),
/// where it started and how long it is.
struct WriteInFlight {
  std::string path;
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  std::uint64_t offset = 0;  // the file's size before the write (it appends)
  std::uint64_t length = 0;
};

class WriteJournal {
 public:
  virtual ~WriteJournal() = default;
  /// A write of `length` bytes at `offset` of the file is about to start.
  virtual void begin(std::string_view path, std::uint64_t device, std::uint64_t inode, std::uint64_t offset,
                     std::uint64_t length) = 0;
  /// It ended (whole or not: a short write was seen and is handled by its writer).
  virtual void end() = 0;
};

}  // namespace pmd
