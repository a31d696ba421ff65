// What pmd and its fd holder (pmd-holder) say to each other, and where they meet. Pure: names,
// message headers and the bounded keeping of output while no pmd reads it. The I/O is in
// holder_main.cpp (the holder) and holder_link.cpp (pmd's side).
//
// The holder keeps a copy of every fd that must outlive pmd (the apps' output pipes, their Node
// IPC channels, cluster sockets, the notify socket) plus a small JSON record per app, per
// instance and for the daemon, each under a key. A pmd that starts (after a crash, a kill -9, or
// its own re-exec for an upgrade) takes them back and adopts the apps. Messages are SOCK_SEQPACKET
// datagrams: a header line, and the fds as SCM_RIGHTS, their roles spelt one letter each.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pmd::handover {

/// The handover format pmd writes; it reads every format from 1 up to this one.
inline constexpr int kFormat = 1;

/// Roles of the fds a record carries, one letter each, in the order they travel.
namespace role {
inline constexpr char kData = 'd';      // a memfd holding the record's JSON (always first)
inline constexpr char kStdout = 'o';    // an instance's stdout pipe (read end): drained while orphaned
inline constexpr char kStderr = 'e';    // an instance's stderr pipe
inline constexpr char kKept = 'k';      // (holder -> pmd) a memfd of the output kept from the pipe before it
inline constexpr char kIpc = 'i';       // pmd's end of a Node app's IPC channel
inline constexpr char kSlot = 's';      // an instance's own listening socket (balance: reuseport)
inline constexpr char kListener = 'l';  // an app's shared listening socket
inline constexpr char kNotify = 'n';    // the daemon's NOTIFY_SOCKET
inline constexpr char kBoard = 'b';     // the output readers' board (output_board.h), a sealed memfd
}  // namespace role

/// Whether the holder reads this fd while no pmd is connected.
inline bool is_output(char r) { return r == role::kStdout || r == role::kStderr; }

/// Abstract socket names (without the leading NUL), one per user and home. Derived from the
/// home's path, not from a file in it: deleting the home cannot make room for a second daemon.
std::string daemon_lock_name(const std::filesystem::path& home, uid_t uid);
std::string holder_name(const std::filesystem::path& home, uid_t uid);

/// One header line. pmd -> holder: "put ROLES KEY", "del KEY", "take", "bye".
/// holder -> pmd (answering take): "rec ROLES LOST KEY" per record, then "end COUNT".
/// LOST: per output fd, the lines the holder had to drop, comma separated ("-" when none);
/// a '+' after a count means the drop ended inside a line, so the reader skips to its end.
struct Header {
  std::string verb;
  std::string roles;  // "-" on the wire when empty
  std::string lost;   // rec only
  std::string key;    // the rest of the line; may hold spaces
};
std::string format_header(const Header& h);
std::optional<Header> parse_header(std::string_view line);

/// What the holder does with an output pipe while no pmd reads it: keeps whole lines up to
/// `capacity` bytes, then drops what follows (counting the lines), so the app never blocks on
/// a full pipe nor dies of a closed one, and nothing torn is ever kept.
class KeptOutput {
 public:
  explicit KeptOutput(std::size_t capacity) : capacity_(capacity) {}
  void feed(std::string_view chunk);
  /// Whole lines kept, then possibly the start of one still being written (kept only while
  /// nothing was dropped).
  const std::string& kept() const { return kept_; }
  std::uint64_t lost_lines() const { return lost_; }
  /// A line is being dropped now: its rest, still in the pipe, must be skipped by the reader.
  bool dropping_inside_line() const { return dropping_; }
  /// "-", "12", or "12+" (see Header::lost).
  std::string lost_text() const;
  void clear();

 private:
  void drop(std::string_view chunk);

  std::size_t capacity_;
  std::string kept_;
  std::uint64_t lost_ = 0;
  bool dropping_ = false;
  bool full_ = false;  // once full, everything after is dropped (no gap in the middle of what is kept)
};

/// Parses one entry of Header::lost: the count and whether the reader must skip to a line end.
struct Lost {
  std::uint64_t lines = 0;
  bool inside_line = false;
};
Lost parse_lost(std::string_view text);
std::vector<std::string> split_lost(std::string_view csv);

}  // namespace pmd::handover
