// moment.js tokens -> text.
#include "moment_format.h"

#include <array>
#include <cstdio>
#include <ctime>
#include <utility>

namespace pmd {

std::string format_timestamp(std::string_view pattern, std::int64_t unix_ms) {
  std::time_t secs = static_cast<std::time_t>(unix_ms / 1000);
  int millis = static_cast<int>(unix_ms % 1000);
  std::tm tm{};
  ::localtime_r(&secs, &tm);
  long offset_min = tm.tm_gmtoff / 60;
  char sign = offset_min < 0 ? '-' : '+';
  long abs_off = offset_min < 0 ? -offset_min : offset_min;
  auto two = [](int v) {
    char b[16];
    std::snprintf(b, sizeof b, "%02d", v);
    return std::string(b);
  };
  int hour12 = tm.tm_hour % 12 == 0 ? 12 : tm.tm_hour % 12;
  // Longest tokens first, so "YYYY" is not read as two "YY".
  const std::array<std::pair<std::string_view, std::string>, 22> tokens{{
      {"YYYY", std::to_string(tm.tm_year + 1900)},
      {"SSS",
       [&] {
         char b[16];
         std::snprintf(b, sizeof b, "%03d", millis);
         return std::string(b);
       }()},
      {"YY", two((tm.tm_year + 1900) % 100)},
      {"MM", two(tm.tm_mon + 1)},
      {"DD", two(tm.tm_mday)},
      {"HH", two(tm.tm_hour)},
      {"hh", two(hour12)},
      {"mm", two(tm.tm_min)},
      {"ss", two(tm.tm_sec)},
      {"ZZ", std::string(1, sign) + two(static_cast<int>(abs_off / 60)) + two(static_cast<int>(abs_off % 60))},
      {"Z", std::string(1, sign) + two(static_cast<int>(abs_off / 60)) + ":" + two(static_cast<int>(abs_off % 60))},
      {"M", std::to_string(tm.tm_mon + 1)},
      {"D", std::to_string(tm.tm_mday)},
      {"H", std::to_string(tm.tm_hour)},
      {"h", std::to_string(hour12)},
      {"m", std::to_string(tm.tm_min)},
      {"s", std::to_string(tm.tm_sec)},
      {"A", tm.tm_hour < 12 ? "AM" : "PM"},
      {"a", tm.tm_hour < 12 ? "am" : "pm"},
      {"X", std::to_string(unix_ms / 1000)},
      {"x", std::to_string(unix_ms)},
      {"T", "T"},
  }};
  std::string out;
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern[i] == '[') {
      auto end = pattern.find(']', i);
      if (end != std::string_view::npos) {
        out.append(pattern.substr(i + 1, end - i - 1));
        i = end + 1;
        continue;
      }
    }
    bool matched = false;
    for (const auto& [token, value] : tokens) {
      if (pattern.substr(i, token.size()) == token) {
        out += value;
        i += token.size();
        matched = true;
        break;
      }
    }
    if (!matched) out += pattern[i++];
  }
  return out;
}

}  // namespace pmd
