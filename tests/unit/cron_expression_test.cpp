// cron_restart's schedule: parsing, and the next firing for given times, in fixed time zones
// (POSIX TZ rules, which need no tzdata), across month ends, leap years and DST changes.
#include "cron_expression.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>
#include <string>

namespace {

using Clock = std::chrono::system_clock;

// Sets TZ for the scope of a test.
class LocalZone {
 public:
  explicit LocalZone(const char* tz) {
    if (const char* old = std::getenv("TZ")) saved_ = old, had_ = true;
    ::setenv("TZ", tz, 1);
    ::tzset();
  }
  ~LocalZone() {
    if (had_)
      ::setenv("TZ", saved_.c_str(), 1);
    else
      ::unsetenv("TZ");
    ::tzset();
  }

 private:
  std::string saved_;
  bool had_ = false;
};

// "2026-03-08 01:59:00" in the local zone (first occurrence when ambiguous).
Clock::time_point local(const char* text, int isdst = -1) {
  std::tm tm{};
  REQUIRE(::strptime(text, "%Y-%m-%d %H:%M:%S", &tm) != nullptr);
  tm.tm_isdst = isdst;
  return Clock::from_time_t(std::mktime(&tm));
}

std::string show(std::optional<Clock::time_point> t) {
  if (!t) return "never";
  std::time_t s = Clock::to_time_t(*t);
  std::tm tm{};
  ::localtime_r(&s, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S %Z", &tm);
  return buf;
}

std::string next(const char* expr, const char* after) {
  auto parsed = pmd::parse_cron(expr);
  INFO(expr);
  REQUIRE(std::holds_alternative<pmd::CronExpression>(parsed));
  return show(pmd::next_firing(std::get<pmd::CronExpression>(parsed), local(after)));
}

std::string error_of(const char* expr) {
  auto parsed = pmd::parse_cron(expr);
  return std::holds_alternative<std::string>(parsed) ? std::get<std::string>(parsed) : "";
}

}  // namespace

TEST_CASE("cron: the next firing for a given time", "[cron]") {
  LocalZone utc("UTC0");
  struct Row {
    const char* expr;
    const char* after;
    const char* expected;
  };
  const Row rows[] = {
      {"* * * * *", "2026-05-10 12:00:00", "2026-05-10 12:01:00 UTC"},
      {"* * * * *", "2026-05-10 12:00:59", "2026-05-10 12:01:00 UTC"},
      {"0 3 * * *", "2026-05-10 03:00:00", "2026-05-11 03:00:00 UTC"},  // strictly after
      {"0 3 * * *", "2026-05-10 02:59:59", "2026-05-10 03:00:00 UTC"},
      {"*/15 * * * *", "2026-05-10 12:07:00", "2026-05-10 12:15:00 UTC"},
      {"10-50/20 * * * *", "2026-05-10 12:31:00", "2026-05-10 12:50:00 UTC"},
      {"5/20 * * * *", "2026-05-10 12:26:00", "2026-05-10 12:45:00 UTC"},
      {"0 0 1,15 * *", "2026-05-02 00:00:00", "2026-05-15 00:00:00 UTC"},
      {"0 0 31 * *", "2026-04-01 00:00:00", "2026-05-31 00:00:00 UTC"},       // April has no 31st
      {"0 0 29 2 *", "2026-03-01 00:00:00", "2028-02-29 00:00:00 UTC"},       // next leap year
      {"0 9 * * MON-FRI", "2026-05-08 10:00:00", "2026-05-11 09:00:00 UTC"},  // Fri -> Mon
      {"0 9 * * 7", "2026-05-10 10:00:00", "2026-05-17 09:00:00 UTC"},        // 7 is Sunday
      {"0 0 * JUN sun", "2026-05-10 00:00:00", "2026-06-07 00:00:00 UTC"},
      {"0 0 13 * 5", "2026-05-10 00:00:00", "2026-05-13 00:00:00 UTC"},  // the 13th OR a Friday
      {"0 0 13 * 5", "2026-05-13 00:00:00", "2026-05-15 00:00:00 UTC"},
      {"*/10 * * * * *", "2026-05-10 12:00:05", "2026-05-10 12:00:10 UTC"},  // six fields: seconds
      {"30 59 23 31 12 *", "2026-12-31 23:59:30", "2027-12-31 23:59:30 UTC"},
      {"@hourly", "2026-05-10 12:00:00", "2026-05-10 13:00:00 UTC"},
      {"@daily", "2026-05-10 12:00:00", "2026-05-11 00:00:00 UTC"},
      {"@weekly", "2026-05-10 12:00:00", "2026-05-17 00:00:00 UTC"},
      {"@monthly", "2026-12-10 12:00:00", "2027-01-01 00:00:00 UTC"},
      {"@yearly", "2026-12-10 12:00:00", "2027-01-01 00:00:00 UTC"},
      {"0 0 30 2 *", "2026-01-01 00:00:00", "never"},
  };
  for (const auto& row : rows) {
    INFO(row.expr << " after " << row.after);
    CHECK(next(row.expr, row.after) == row.expected);
  }
}

TEST_CASE("cron: DST neither skips nor doubles a firing", "[cron]") {
  LocalZone eastern("EST5EDT,M3.2.0,M11.1.0");  // 2026: spring forward Mar 8, fall back Nov 1
  // 02:30 does not exist on Mar 8: it fires once, at 03:30 EDT, then at 02:30 the next night.
  CHECK(next("30 2 * * *", "2026-03-08 01:00:00") == "2026-03-08 03:30:00 EDT");
  CHECK(next("30 2 * * *", "2026-03-08 03:30:00") == "2026-03-09 02:30:00 EDT");
  // 01:30 happens twice on Nov 1: it fires the first time only.
  CHECK(next("30 1 * * *", "2026-11-01 00:00:00") == "2026-11-01 01:30:00 EDT");
  const auto first = local("2026-11-01 01:30:00", 1);
  auto cron = std::get<pmd::CronExpression>(pmd::parse_cron("30 1 * * *"));
  CHECK(show(pmd::next_firing(cron, first)) == "2026-11-02 01:30:00 EST");
  // A daily job keeps its wall-clock time across the change.
  CHECK(next("0 3 * * *", "2026-11-01 03:00:00") == "2026-11-02 03:00:00 EST");
}

TEST_CASE("cron: mistakes are named with their field", "[cron]") {
  CHECK_THAT(error_of("* * * *"), Catch::Contains("5 fields") && Catch::Contains("has 4"));
  CHECK_THAT(error_of("60 * * * *"), Catch::Contains("minute field") && Catch::Contains("0 to 59"));
  CHECK_THAT(error_of("* 24 * * *"), Catch::Contains("hour field"));
  CHECK_THAT(error_of("* * 0 * *"), Catch::Contains("day-of-month field"));
  CHECK_THAT(error_of("* * * 13 *"), Catch::Contains("month field"));
  CHECK_THAT(error_of("* * * * 8"), Catch::Contains("day-of-week field"));
  CHECK_THAT(error_of("* * * FOO *"), Catch::Contains("not a number or a name like JAN"));
  CHECK_THAT(error_of("*/0 * * * *"), Catch::Contains("step"));
  CHECK_THAT(error_of("5-1 * * * *"), Catch::Contains("low to high"));
  CHECK_THAT(error_of("0 0 L * *"), Catch::Contains("L, W and # are not supported"));
  CHECK_THAT(error_of("1,,2 * * * *"), Catch::Contains("empty item"));
  CHECK_THAT(error_of("@reboot"), Catch::Contains("not a schedule"));
  CHECK(error_of(" 0 3 * * * ").empty());
}
