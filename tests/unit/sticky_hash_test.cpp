// balance: sticky -- buckets spread evenly, scaling moves as few clients as possible, and the BPF
// program has the shape the kernel expects.
#include "sticky_hash.h"
#include "process/sticky_program.h"

#include <catch2/catch.hpp>

#include <map>

using namespace pmd;

namespace {

std::vector<int> slots_upto(int n) {
  std::vector<int> slots;
  for (int i = 0; i < n; ++i) slots.push_back(i);
  return slots;
}

}  // namespace

TEST_CASE("sticky buckets spread over the slots and scaling moves only what it must", "[sticky]") {
  for (int n = 1; n <= 16; ++n) {
    INFO(n << " slots");
    std::map<int, int> per_slot;
    for (int b = 0; b < kStickyBuckets; ++b) ++per_slot[sticky_slot_of_bucket(b, slots_upto(n))];
    CHECK(static_cast<int>(per_slot.size()) == n);
    for (auto [slot, count] : per_slot) CHECK(count >= kStickyBuckets / n / 2);  // no slot starves
    // Adding slot n: the buckets that move all go to it, and about 1 in n+1 of them do.
    int moved = 0;
    for (int b = 0; b < kStickyBuckets; ++b) {
      const int before = sticky_slot_of_bucket(b, slots_upto(n));
      const int after = sticky_slot_of_bucket(b, slots_upto(n + 1));
      if (before != after) {
        ++moved;
        CHECK(after == n);
      }
    }
    int on_new_slot = 0;
    for (int b = 0; b < kStickyBuckets; ++b) on_new_slot += sticky_slot_of_bucket(b, slots_upto(n + 1)) == n;
    CHECK(moved == on_new_slot);
    CHECK(moved <= 2 * kStickyBuckets / (n + 1));
    // Removing a slot in the middle moves only its own buckets.
    if (n >= 3) {
      std::vector<int> without_one = slots_upto(n);
      without_one.erase(without_one.begin() + 1);
      for (int b = 0; b < kStickyBuckets; ++b) {
        const int before = sticky_slot_of_bucket(b, slots_upto(n));
        if (before != 1) CHECK(sticky_slot_of_bucket(b, without_one) == before);
      }
    }
  }
  CHECK(sticky_slot_of_bucket(7, {}) == -1);
}

TEST_CASE("a client address always lands in the same bucket", "[sticky]") {
  // 127.0.0.1 and 127.0.0.2 differ in the last bit; the multiplier spreads them apart.
  // Pinned: the kernel runs the same arithmetic (127.0.0.1 * 2654435761 mod 2^32, top 8 bits).
  CHECK(sticky_bucket_ipv4(0x7F000001) == 109);
  CHECK(sticky_bucket_ipv4(0x7F000001) != sticky_bucket_ipv4(0x7F000002));
  for (std::uint32_t a : {0u, 1u, 0x7F000001u, 0xC0A80101u, 0xFFFFFFFFu}) {
    CHECK(sticky_bucket_ipv4(a) >= 0);
    CHECK(sticky_bucket_ipv4(a) < kStickyBuckets);
  }
  // An IPv6 address hashes the XOR of its words.
  CHECK(sticky_bucket_ipv6({0x20010db8, 0, 0, 1}) == sticky_bucket_ipv4(0x20010db8 ^ 1));
}

TEST_CASE("the sticky BPF program reads the source address and returns an index per bucket", "[sticky]") {
  std::vector<int> index(kStickyBuckets, 0);
  index[5] = 3;
  auto p = sticky_program(index);
  REQUIRE(p.size() == 17 + 2 * kStickyBuckets + 1);
  CHECK(p[0].code == (BPF_LD | BPF_B | BPF_ABS));
  CHECK(p[0].k == static_cast<std::uint32_t>(SKF_NET_OFF));
  CHECK(p[3].k == static_cast<std::uint32_t>(SKF_NET_OFF + 12));  // IPv4 source
  CHECK(p[4].code == (BPF_JMP | BPF_JA));
  CHECK(4 + 1 + p[4].k == 15);  // over the IPv6 block, to the hash
  CHECK(p[15].code == (BPF_ALU | BPF_MUL | BPF_K));
  CHECK(p[15].k == kStickyMultiplier);
  // Bucket 5's comparison and answer.
  CHECK(p[17 + 2 * 5].k == 5);
  CHECK(p[17 + 2 * 5 + 1].code == (BPF_RET | BPF_K));
  CHECK(p[17 + 2 * 5 + 1].k == 3);
  CHECK(p.back().k == 0xffffffffu);  // past the group: the kernel's own hash
  CHECK(p.size() <= BPF_MAXINSNS);
}

TEST_CASE("the group order mirrors the kernel's: a socket that leaves is replaced by the last", "[sticky]") {
  StickyGroup group;
  for (int n : {0, 1, 2, 3}) group.joined(n);
  group.left(1);
  CHECK(group.order() == std::vector<int>{0, 3, 2});
  group.joined(1);
  CHECK(group.order() == std::vector<int>{0, 3, 2, 1});
  group.left(1);
  CHECK(group.order() == std::vector<int>{0, 3, 2});
  group.left(7);  // not a member: nothing changes
  CHECK(group.order() == std::vector<int>{0, 3, 2});
}
