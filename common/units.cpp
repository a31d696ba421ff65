// Parsing and formatting of sizes and durations; pure functions, unit-tested.
#include "units.h"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace pmd::units {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits "1.5G" into 1.5 and "g". Rejects negatives, empty numbers and trailing garbage in the number.
std::optional<std::pair<double, std::string>> split_number(std::string_view text) {
  text = trim(text);
  std::size_t i = 0;
  bool seen_digit = false, seen_dot = false;
  while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) || (text[i] == '.' && !seen_dot))) {
    if (text[i] == '.')
      seen_dot = true;
    else
      seen_digit = true;
    ++i;
  }
  if (!seen_digit) return std::nullopt;
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + i, value);
  if (ec != std::errc() || ptr != text.data() + i || !std::isfinite(value)) return std::nullopt;
  return std::pair{value, lower(trim(text.substr(i)))};
}

}  // namespace

std::optional<std::uint64_t> parse_size(std::string_view text) {
  auto parts = split_number(text);
  if (!parts) return std::nullopt;
  auto [value, unit] = *parts;
  double factor = 1;
  if (!unit.empty() && unit != "b") {
    switch (unit[0]) {
      case 'k': factor = 1024.0; break;
      case 'm': factor = 1024.0 * 1024; break;
      case 'g': factor = 1024.0 * 1024 * 1024; break;
      case 't': factor = 1024.0 * 1024 * 1024 * 1024; break;
      default: return std::nullopt;
    }
    std::string_view rest = std::string_view(unit).substr(1);
    if (!(rest.empty() || rest == "b" || rest == "ib")) return std::nullopt;
  }
  double bytes = value * factor;
  if (bytes >= 1.8e19) return std::nullopt;
  return static_cast<std::uint64_t>(std::llround(bytes));
}

std::optional<std::chrono::milliseconds> parse_duration(std::string_view text) {
  auto parts = split_number(text);
  if (!parts) return std::nullopt;
  auto [value, unit] = *parts;
  double factor;
  if (unit.empty() || unit == "ms")
    factor = 1;
  else if (unit == "s" || unit == "sec" || unit == "secs")
    factor = 1000;
  else if (unit == "m" || unit == "min" || unit == "mins")
    factor = 60'000;
  else if (unit == "h")
    factor = 3'600'000;
  else if (unit == "d")
    factor = 86'400'000;
  else
    return std::nullopt;
  double ms = value * factor;
  if (ms >= 9.2e15) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(ms)));
}

std::string format_percent(double percent) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f%%", percent);
  return buf;
}

std::string format_size(std::uint64_t bytes) {
  static constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  if (bytes < 1024) return std::to_string(bytes) + " B";
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[u]);
  return buf;
}

std::string format_uptime(std::chrono::milliseconds elapsed) {
  auto s = elapsed.count() / 1000;
  if (s < 0) s = 0;
  if (s < 60) return std::to_string(s) + "s";
  if (s < 3600) return std::to_string(s / 60) + "m";
  if (s < 86400) return std::to_string(s / 3600) + "h";
  return std::to_string(s / 86400) + "D";
}

std::string format_duration(std::chrono::milliseconds d) {
  auto ms = d.count();
  if (ms < 1000) return std::to_string(ms) + "ms";
  char buf[32];
  if (ms < 60'000) {
    std::snprintf(buf, sizeof buf, "%g", static_cast<double>(ms) / 1000);
    return std::string(buf) + "s";
  }
  auto s = ms / 1000;
  if (s < 3600) return std::to_string(s / 60) + "m" + (s % 60 ? std::to_string(s % 60) + "s" : "");
  return std::to_string(s / 3600) + "h" + (s % 3600 / 60 ? std::to_string(s % 3600 / 60) + "m" : "");
}

}  // namespace pmd::units
