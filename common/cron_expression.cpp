#include "cron_expression.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <ctime>
#include <vector>

namespace pmd {

namespace {

struct FieldRule {
  const char* name;
  int min, max;
  const std::array<const char*, 12>* names;  // names[i] is min + i
};

const std::array<const char*, 12> kMonthNames = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                                 "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
const std::array<const char*, 12> kDayNames = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

std::vector<std::string_view> split(std::string_view text, char by) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i <= text.size(); ++i)
    if (i == text.size() || text[i] == by) {
      out.push_back(text.substr(start, i - start));
      start = i + 1;
    }
  return out;
}

std::optional<int> value_of(std::string_view word, const FieldRule& rule) {
  int n = 0;
  auto [end, ec] = std::from_chars(word.data(), word.data() + word.size(), n);
  if (ec == std::errc() && end == word.data() + word.size()) return n;
  if (rule.names && word.size() == 3)
    for (std::size_t i = 0; i < rule.names->size() && (*rule.names)[i]; ++i) {
      const char* name = (*rule.names)[i];
      if (std::equal(word.begin(), word.end(), name,
                     [](char a, char b) { return std::toupper(static_cast<unsigned char>(a)) == b; }))
        return rule.min + static_cast<int>(i);
    }
  return std::nullopt;
}

// One field into `bits` (index = value); an error sentence, or "".
template <std::size_t N>
std::string parse_field(std::string_view text, const FieldRule& rule, std::bitset<N>& bits, bool& any) {
  const std::string where = std::string(rule.name) + " field '" + std::string(text) + "'";
  any = text == "*" || text == "?";
  for (std::string_view item : split(text, ',')) {
    if (item.empty()) return where + ": an empty item in the list";
    int step = 1;
    if (auto slash = item.find('/'); slash != std::string_view::npos) {
      std::string_view step_text = item.substr(slash + 1);
      auto [end, ec] = std::from_chars(step_text.data(), step_text.data() + step_text.size(), step);
      if (ec != std::errc() || end != step_text.data() + step_text.size() || step < 1 || step > rule.max)
        return where + ": the step after '/' must be a number from 1 to " + std::to_string(rule.max);
      item = item.substr(0, slash);
    }
    int low = rule.min, high = rule.max;
    if (item != "*" && item != "?") {
      auto dash = item.find('-');
      auto first = value_of(item.substr(0, dash), rule);
      auto last = dash == std::string_view::npos ? first : value_of(item.substr(dash + 1), rule);
      if (!first || !last)
        return where + ": '" + std::string(item) + "' is not a number" +
               (rule.names ? std::string(" or a name like ") + (*rule.names)[0] : std::string()) +
               " (L, W and # are not supported)";
      low = *first;
      // "5/15" means from 5 to the end, as in cron.
      high = dash == std::string_view::npos && step > 1 ? rule.max : *last;
    }
    // Day of week 7 is Sunday too.
    const int top = rule.names == &kDayNames ? 7 : rule.max;
    if (low < rule.min || high > top || low > high)
      return where + ": values must be from " + std::to_string(rule.min) + " to " + std::to_string(top) +
             (low > high ? ", low to high" : "");
    for (int v = low; v <= high; v += step) bits.set(static_cast<std::size_t>(v % (rule.names == &kDayNames ? 7 : N)));
  }
  return "";
}

// The local wall clock, field by field; carries go up by calendar rules.
struct Wall {
  int year, month, day, hour, minute, second;  // month 1-12
};

bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }
int days_in(int y, int m) {
  static const int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && leap(y) ? 29 : kDays[m - 1];
}
// 0 = Sunday (Sakamoto's method).
int weekday(int y, int m, int d) {
  static const int t[] = {0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4};
  if (m < 3) y -= 1;
  return (y + y / 4 - y / 100 + y / 400 + t[m - 1] + d) % 7;
}

void next_month(Wall& w) {
  w.day = 1, w.hour = w.minute = w.second = 0;
  if (++w.month > 12) w.month = 1, ++w.year;
}
void next_day(Wall& w) {
  w.hour = w.minute = w.second = 0;
  if (++w.day > days_in(w.year, w.month)) next_month(w);
}
void next_hour(Wall& w) {
  w.minute = w.second = 0;
  if (++w.hour > 23) w.hour = 0, next_day(w);
}
void next_minute(Wall& w) {
  w.second = 0;
  if (++w.minute > 59) w.minute = 0, next_hour(w);
}
void next_second(Wall& w) {
  if (++w.second > 59) w.second = 0, next_minute(w);
}

bool day_matches(const CronExpression& c, const Wall& w) {
  const bool dom = c.days.test(static_cast<std::size_t>(w.day));
  const bool dow = c.weekdays.test(static_cast<std::size_t>(weekday(w.year, w.month, w.day)));
  if (c.any_day && c.any_weekday) return true;
  if (c.any_day) return dow;
  if (c.any_weekday) return dom;
  return dom || dow;  // both restricted: either (Vixie cron)
}

}  // namespace

std::variant<CronExpression, std::string> parse_cron(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) text.remove_suffix(1);
  static const std::array<std::pair<std::string_view, std::string_view>, 7> kShorthands = {{
      {"@yearly", "0 0 1 1 *"},
      {"@annually", "0 0 1 1 *"},
      {"@monthly", "0 0 1 * *"},
      {"@weekly", "0 0 * * 0"},
      {"@daily", "0 0 * * *"},
      {"@midnight", "0 0 * * *"},
      {"@hourly", "0 * * * *"},
  }};
  if (!text.empty() && text.front() == '@') {
    for (const auto& [name, expansion] : kShorthands)
      if (name == text) return parse_cron(expansion);
    std::string message = "'";  // built by appending: GCC 12 warns falsely (-Wrestrict) on "'" + string
    message.append(text).append("' is not a schedule (use @yearly, @monthly, @weekly, @daily or @hourly)");
    return message;
  }
  std::vector<std::string_view> fields;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    std::size_t start = i;
    while (i < text.size() && !std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i > start) fields.push_back(text.substr(start, i - start));
  }
  if (fields.size() != 5 && fields.size() != 6)
    return "a cron expression has 5 fields (minute hour day month weekday) or 6 (seconds first); '" +
           std::string(text) + "' has " + std::to_string(fields.size());
  CronExpression c;
  bool unused = false;
  std::size_t f = 0;
  if (fields.size() == 6) {
    if (auto e = parse_field(fields[f++], FieldRule{"second", 0, 59, nullptr}, c.seconds, unused); !e.empty()) return e;
  } else {
    c.seconds.set(0);
  }
  std::string e;
  if (e = parse_field(fields[f++], FieldRule{"minute", 0, 59, nullptr}, c.minutes, unused); !e.empty()) return e;
  if (e = parse_field(fields[f++], FieldRule{"hour", 0, 23, nullptr}, c.hours, unused); !e.empty()) return e;
  if (e = parse_field(fields[f++], FieldRule{"day-of-month", 1, 31, nullptr}, c.days, c.any_day); !e.empty()) return e;
  if (e = parse_field(fields[f++], FieldRule{"month", 1, 12, &kMonthNames}, c.months, unused); !e.empty()) return e;
  if (e = parse_field(fields[f++], FieldRule{"day-of-week", 0, 6, &kDayNames}, c.weekdays, c.any_weekday); !e.empty())
    return e;
  return c;
}

std::optional<std::chrono::system_clock::time_point> next_firing(const CronExpression& c,
                                                                 std::chrono::system_clock::time_point after) {
  using namespace std::chrono;
  const std::time_t start = system_clock::to_time_t(time_point_cast<seconds>(after));
  std::tm tm{};
  ::localtime_r(&start, &tm);
  Wall w{tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec};
  const int last_year = w.year + 8;
  next_second(w);
  while (w.year <= last_year) {
    if (!c.months.test(static_cast<std::size_t>(w.month))) {
      next_month(w);
    } else if (!day_matches(c, w)) {
      next_day(w);
    } else if (!c.hours.test(static_cast<std::size_t>(w.hour))) {
      next_hour(w);
    } else if (!c.minutes.test(static_cast<std::size_t>(w.minute))) {
      next_minute(w);
    } else if (!c.seconds.test(static_cast<std::size_t>(w.second))) {
      next_second(w);
    } else {
      std::tm at{};
      at.tm_year = w.year - 1900, at.tm_mon = w.month - 1, at.tm_mday = w.day;
      at.tm_hour = w.hour, at.tm_min = w.minute, at.tm_sec = w.second;
      at.tm_isdst = -1;  // whichever offset is in force then: a time in a gap moves past it
      const std::time_t when = std::mktime(&at);
      if (when != static_cast<std::time_t>(-1) && when > start) return system_clock::from_time_t(when);
      next_second(w);  // the repeated hour of a fall-back: that wall time has fired already
    }
  }
  return std::nullopt;
}

}  // namespace pmd
