// balance: sticky in the kernel. A classic BPF program attached to an app's SO_REUSEPORT group
// (SO_ATTACH_REUSEPORT_CBPF) picks, for every new connection, the socket of the instance slot the
// client's address hashes to (common/sticky_hash.h), so a client stays on one instance with no
// proxy hop. The program returns an index into the kernel's array of the group's sockets, which
// is in the order they started listening, and a socket leaving it is replaced by the last one:
// StickyGroup mirrors that order to turn slots into indexes.
#pragma once

#include <linux/filter.h>

#include <string>
#include <vector>

namespace pmd {

/// The program for `bucket_index` (bucket -> index in the group, one per sticky bucket).
std::vector<sock_filter> sticky_program(const std::vector<int>& bucket_index);

/// The kernel's order of an app's reuseport group, and the program that goes with it.
class StickyGroup {
 public:
  /// Slot `number`'s socket joined the group (it listens now).
  void joined(int number);
  /// Slot `number`'s socket left it (closed): the last one takes its place.
  void left(int number);
  /// Attaches the program for the current slots to the group through `fd` (any of its
  /// sockets). An error sentence when the kernel refuses it (then it balances by its own hash).
  std::string attach(int fd) const;
  const std::vector<int>& order() const { return order_; }

 private:
  std::vector<int> order_;  // slot numbers by index in the kernel's array
};

}  // namespace pmd
