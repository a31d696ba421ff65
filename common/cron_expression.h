// Cron expressions as cron_restart takes them (PM2 uses the `cron` npm package's syntax):
// 5 fields (minute hour day-of-month month day-of-week) or 6 (seconds first); `*`, ranges `1-5`,
// steps `*/15` and `10-50/20`, lists `1,15`, names JAN-DEC and SUN-SAT, 7 for Sunday, and the
// shorthands @yearly @annually @monthly @weekly @daily @midnight @hourly. As in Vixie cron, when
// both day fields are restricted a day matching either fires.
//
// next_firing() walks the local wall clock, not UTC seconds, so a DST change neither skips nor
// doubles a firing: a time that does not exist that night (02:30 when clocks spring forward)
// fires once, an hour later than written; a time that occurs twice (01:30 when they fall back)
// fires once, the first time.
#pragma once

#include <bitset>
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace pmd {

struct CronExpression {
  std::bitset<60> seconds, minutes;
  std::bitset<24> hours;
  std::bitset<32> days;     // 1-31
  std::bitset<13> months;   // 1-12
  std::bitset<7> weekdays;  // 0 = Sunday
  bool any_day = true;      // day-of-month was *
  bool any_weekday = true;  // day-of-week was *
};

/// The expression, or a sentence saying what is wrong with which field.
std::variant<CronExpression, std::string> parse_cron(std::string_view text);

/// The first firing strictly after `after`, in the process's local time zone (TZ); nullopt when
/// none comes within 8 years (`0 0 30 2 *`: February has no 30th).
std::optional<std::chrono::system_clock::time_point> next_firing(const CronExpression& cron,
                                                                 std::chrono::system_clock::time_point after);

}  // namespace pmd
