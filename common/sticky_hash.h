// balance: sticky -- which instance slot a client address goes to. Pure, shared by the daemon
// (which writes the same arithmetic into the classic BPF program the kernel runs on every new
// connection, process/sticky_program) and the tests (which predict where a client lands).
//
// A client address hashes to one of 256 buckets (multiplicative hashing of the IPv4 address, or
// of the XOR of an IPv6 address's four words). A bucket belongs to the live slot with the highest
// rendezvous weight for it, so adding slot n takes buckets only for itself (about 1 in n+1 of the
// clients move, all to the new instance) and removing a slot moves only that slot's clients.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

namespace pmd {

inline constexpr int kStickyBuckets = 256;
inline constexpr std::uint32_t kStickyMultiplier = 2654435761u;  // Knuth's, 2^32 / golden ratio

/// The bucket of an IPv4 client (the address as a number: 127.0.0.1 is 0x7F000001).
int sticky_bucket_ipv4(std::uint32_t address);
/// The bucket of an IPv6 client (its four 32-bit words, most significant first).
int sticky_bucket_ipv6(const std::array<std::uint32_t, 4>& words);
/// The slot (instance number) of `bucket` among the live `slots`; -1 when there are none.
int sticky_slot_of_bucket(int bucket, const std::vector<int>& slots);

}  // namespace pmd
