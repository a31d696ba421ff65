// pmd's side of the fd holder (holder_protocol.h): find it or start it, hand it records with
// their fds as things change, take everything back after a crash or an upgrade, and say bye on a
// clean exit. Blocking calls on a local socket the holder serves at once; a holder that stops
// answering is dropped and a new one started (it then gets every record again).
#pragma once

#include "handover/holder_protocol.h"

#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace pmd::handover {

/// One fd of a record, with (taken back only) the output the holder read from it meanwhile.
struct HeldFd {
  char role = 0;
  int fd = -1;       // owned by whoever holds the HeldFd list
  std::string kept;  // output read while no pmd was there (whole lines, maybe a line's start)
  Lost lost;         // lines dropped beyond the holder's bound
};

struct TakenRecord {
  std::string key;
  std::string data;  // JSON
  std::vector<HeldFd> fds;
};

class HolderLink {
 public:
  HolderLink(const std::filesystem::path& home, std::string holder_binary);
  ~HolderLink();
  HolderLink(const HolderLink&) = delete;
  HolderLink& operator=(const HolderLink&) = delete;

  /// Connects to the holder of this home if one runs. False if none does.
  bool connect_existing();
  /// Starts a holder and connects to it. An error sentence, or empty.
  std::string start();
  bool connected() const { return socket_ >= 0; }
  /// The connection's socket (-1 when not connected), to be told when the holder hangs up.
  int native_handle() const { return socket_; }
  /// Whether the holder is still there (it may have been killed): false after a hang-up.
  bool alive();

  /// Everything the holder keeps (the fds are the caller's from now on). An error sentence in
  /// `error` if the exchange failed midway.
  std::vector<TakenRecord> take(std::string& error);
  /// Stores `data` and the fds (dup'd by the kernel; ours stay open) under `key`.
  bool put(const std::string& key, const std::string& data, const std::vector<std::pair<char, int>>& fds);
  void remove(const std::string& key);
  /// A clean exit: the holder lets everything go and exits.
  void bye();
  /// The holder's pid (0 when unknown), for `pmctl ping` and the tests' clean-up.
  pid_t holder_pid() const { return holder_pid_; }

 private:
  void drop();

  std::string name_;
  std::string binary_;
  int socket_ = -1;
  pid_t holder_pid_ = 0;
};

/// pmd-holder next to pmd (build tree), or in ../lib/pmd (installed); PMD_HOLDER_BIN wins.
std::string holder_binary_path();

}  // namespace pmd::handover
