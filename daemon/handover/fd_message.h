// One SOCK_SEQPACKET message with fds attached (SCM_RIGHTS), and memfds for data too large for
// a datagram. Shared by pmd's side of the holder link and the holder itself; blocking calls,
// EINTR resumed. Received fds are O_CLOEXEC.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pmd::handover {

/// The most fds one message carries (a record's roles, with the kept output of each pipe).
inline constexpr std::size_t kMaxFdsPerMessage = 32;
/// The largest record pmd hands over (an app's spec with a large environment fits easily).
inline constexpr std::size_t kMaxRecordBytes = 16 * 1024 * 1024;

/// Sends `text` with `fds` (not closed). False on error (errno says which).
bool send_message(int socket, std::string_view text, const std::vector<int>& fds, bool dont_wait = false);

struct Message {
  std::string text;
  std::vector<int> fds;  // owned by the caller
};
/// The next message; nullopt at EOF or on error (a truncated message counts as one).
std::optional<Message> receive_message(int socket);

/// A sealed-size memfd holding `data` (-1 on error).
int memfd_with(std::string_view data, const char* name);
/// The whole content of a memfd (or any regular file), at most kMaxRecordBytes; nullopt if larger
/// or unreadable.
std::optional<std::string> read_all(int fd);

void close_all(std::vector<int>& fds);

}  // namespace pmd::handover
