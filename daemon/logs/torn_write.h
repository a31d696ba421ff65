// The repair of a log write a SIGKILL of pmd cut short (write_journal.h): the file is cut back to
// its last whole line, so the next pmd's lines start on a line of their own.
#pragma once

#include "write_journal.h"

#include <string>

namespace pmd {

/// Cuts `w.path` back to the end of the last whole line the write left, if the file is still the
/// one written (same device and inode, a regular file: a path changed since, by a rename or a
/// planted symlink, is left alone) and ends inside that write with no newline. Returns what was
/// done, for pmd's log ("" when nothing was needed or possible).
std::string cut_torn_write(const WriteInFlight& w);

}  // namespace pmd
