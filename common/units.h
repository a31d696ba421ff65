// Sizes and durations as people write them in ecosystem files and flags ("300M", "1.5s", "2h"),
// and the short forms `pmctl list` prints.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pmd::units {

/// The longest duration any setting takes (a timeout or a delay): 30 days. Longer values are
/// typos or attempts to overflow timers.
inline constexpr std::chrono::milliseconds kMaxDuration{30LL * 24 * 3600 * 1000};

/// Parses a byte size: a plain number of bytes, or a number with K, M, G or T (powers of 1024,
/// as PM2 reads them), optionally followed by "B" or "iB", case-insensitive. "1.5G" is allowed.
std::optional<std::uint64_t> parse_size(std::string_view text);

/// Parses a duration: a plain number is milliseconds (PM2's convention); suffixes ms, s, m, h, d.
std::optional<std::chrono::milliseconds> parse_duration(std::string_view text);

/// "0 B", "512 B", "12.3 KiB", "301.0 MiB", "1.2 GiB".
std::string format_size(std::uint64_t bytes);

/// "12.5%": CPU use as list and monit show it.
std::string format_percent(double percent);

/// Compact uptime as `pm2 ls` shows it: "0s", "59s", "12m", "5h", "3D".
std::string format_uptime(std::chrono::milliseconds elapsed);

/// Milliseconds as a readable figure: "250ms", "1.6s", "2m30s".
std::string format_duration(std::chrono::milliseconds d);

}  // namespace pmd::units
