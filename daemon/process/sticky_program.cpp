// balance: sticky's BPF program.
#include "process/sticky_program.h"

#include "sticky_hash.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace pmd {

namespace {

sock_filter statement(std::uint16_t code, std::uint32_t k) { return BPF_STMT(code, k); }
sock_filter jump(std::uint16_t code, std::uint32_t k, std::uint8_t jt, std::uint8_t jf) {
  return BPF_JUMP(code, k, jt, jf);
}
// A word or byte of the IP header (the data starts past the TCP header here; SKF_NET_OFF reaches
// back to the network header).
std::uint32_t net(int offset) { return static_cast<std::uint32_t>(SKF_NET_OFF + offset); }

}  // namespace

std::vector<sock_filter> sticky_program(const std::vector<int>& bucket_index) {
  std::vector<sock_filter> p;
  // A = the IP version.
  p.push_back(statement(BPF_LD | BPF_B | BPF_ABS, net(0)));
  p.push_back(statement(BPF_ALU | BPF_RSH | BPF_K, 4));
  p.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, 6, 2, 0));
  // IPv4: A = the source address.
  p.push_back(statement(BPF_LD | BPF_W | BPF_ABS, net(12)));
  p.push_back(jump(BPF_JMP | BPF_JA, 10, 0, 0));
  // IPv6: A = the XOR of the source address's four words.
  p.push_back(statement(BPF_LD | BPF_W | BPF_ABS, net(8)));
  for (int offset : {12, 16, 20}) {
    p.push_back(statement(BPF_MISC | BPF_TAX, 0));
    p.push_back(statement(BPF_LD | BPF_W | BPF_ABS, net(offset)));
    p.push_back(statement(BPF_ALU | BPF_XOR | BPF_X, 0));
  }
  // A = the bucket.
  p.push_back(statement(BPF_ALU | BPF_MUL | BPF_K, kStickyMultiplier));
  p.push_back(statement(BPF_ALU | BPF_RSH | BPF_K, 24));
  // bucket -> index: a chain of comparisons; an index past the group's end makes the kernel use
  // its own hash.
  for (int bucket = 0; bucket < static_cast<int>(bucket_index.size()); ++bucket) {
    p.push_back(jump(BPF_JMP | BPF_JEQ | BPF_K, static_cast<std::uint32_t>(bucket), 0, 1));
    p.push_back(statement(BPF_RET | BPF_K, static_cast<std::uint32_t>(bucket_index[bucket])));
  }
  p.push_back(statement(BPF_RET | BPF_K, 0xffffffffu));
  return p;
}

void StickyGroup::joined(int number) { order_.push_back(number); }

void StickyGroup::left(int number) {
  auto it = std::find(order_.begin(), order_.end(), number);
  if (it == order_.end()) return;
  *it = order_.back();
  order_.pop_back();
}

std::string StickyGroup::attach(int fd) const {
  if (order_.empty() || fd < 0) return {};
  std::vector<int> slots = order_;
  std::sort(slots.begin(), slots.end());
  std::vector<int> bucket_index(kStickyBuckets);
  for (int bucket = 0; bucket < kStickyBuckets; ++bucket) {
    const int slot = sticky_slot_of_bucket(bucket, slots);
    bucket_index[bucket] = static_cast<int>(std::find(order_.begin(), order_.end(), slot) - order_.begin());
  }
  auto program = sticky_program(bucket_index);
  sock_fprog fprog{static_cast<unsigned short>(program.size()), program.data()};
  if (::setsockopt(fd, SOL_SOCKET, SO_ATTACH_REUSEPORT_CBPF, &fprog, sizeof fprog) != 0)
    return std::string("the kernel refused the sticky BPF program: ") + std::strerror(errno);
  return {};
}

}  // namespace pmd
