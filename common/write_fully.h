// write(2) until everything is written: short writes and EINTR resumed, a real error (a full
// disk, a closed pipe) reported rather than dropped.
#pragma once

#include <cstddef>
#include <string_view>

namespace pmd {

/// Returns how many bytes were written: all of `data`, or fewer after an error (errno says which).
std::size_t write_fully(int fd, std::string_view data);

}  // namespace pmd
