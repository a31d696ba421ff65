// balance: sticky's hashing.
#include "sticky_hash.h"

namespace pmd {

namespace {

int bucket_of(std::uint32_t value) { return static_cast<int>((value * kStickyMultiplier) >> 24); }

// A well-mixed weight for (bucket, slot): murmur3's finalizer.
std::uint32_t weight(int bucket, int slot) {
  std::uint32_t x =
      static_cast<std::uint32_t>(bucket) * 0x9E3779B1u ^ (static_cast<std::uint32_t>(slot) + 1) * 0x85EBCA77u;
  x ^= x >> 16;
  x *= 0x85EBCA6Bu;
  x ^= x >> 13;
  x *= 0xC2B2AE35u;
  x ^= x >> 16;
  return x;
}

}  // namespace

int sticky_bucket_ipv4(std::uint32_t address) { return bucket_of(address); }

int sticky_bucket_ipv6(const std::array<std::uint32_t, 4>& words) {
  return bucket_of(words[0] ^ words[1] ^ words[2] ^ words[3]);
}

int sticky_slot_of_bucket(int bucket, const std::vector<int>& slots) {
  int best = -1;
  std::uint32_t best_weight = 0;
  for (int slot : slots)
    if (best < 0 || weight(bucket, slot) > best_weight || (weight(bucket, slot) == best_weight && slot < best)) {
      best = slot;
      best_weight = weight(bucket, slot);
    }
  return best;
}

}  // namespace pmd
