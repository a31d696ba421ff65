// Log formatting, files and the per-app hub, without processes.
#include "logs/app_log.h"
#include "logs/log_file.h"
#include "logs/log_format.h"

#include "temp_dir.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;
using namespace pmd;

namespace {

using pmd::test::TempDir;

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct UtcClock {
  std::string old;
  UtcClock() {
    if (const char* tz = std::getenv("TZ")) old = tz;
    ::setenv("TZ", "UTC", 1);
    ::tzset();
  }
  ~UtcClock() {
    if (old.empty())
      ::unsetenv("TZ");
    else
      ::setenv("TZ", old.c_str(), 1);
    ::tzset();
  }
};

// 2026-03-04 05:06:07.089 UTC
constexpr std::int64_t kWhen = 1772600767089;

}  // namespace

TEST_CASE("timestamps follow moment.js tokens as PM2's log_date_format does", "[log]") {
  UtcClock utc;
  CHECK(format_timestamp("YYYY-MM-DD HH:mm:ss", kWhen) == "2026-03-04 05:06:07");
  CHECK(format_timestamp("YYYY-MM-DDTHH:mm:ss.SSSZ", kWhen) == "2026-03-04T05:06:07.089+00:00");
  CHECK(format_timestamp("DD/MM/YY hh:mm A ZZ", kWhen) == "04/03/26 05:06 AM +0000");
  CHECK(format_timestamp("[at] H:m:s", kWhen) == "at 5:6:7");
  CHECK(format_timestamp("x", kWhen) == "1772600767089");
}

TEST_CASE("lines are written plain, timestamped, or as JSON", "[log]") {
  UtcClock utc;
  LogRecord r{kWhen, 3, 1, true, "boom \"quoted\""};
  CHECK(format_log_line(r, "api", {}) == "boom \"quoted\"\n");
  CHECK(format_log_line(r, "api", {"YYYY-MM-DD HH:mm:ss", false}) == "2026-03-04 05:06:07: boom \"quoted\"\n");
  auto j = nlohmann::json::parse(format_log_line(r, "api", {"", true}));
  CHECK(j["timestamp"] == "2026-03-04T05:06:07.089+00:00");
  CHECK(j["app"] == "api");
  CHECK(j["id"] == 3);
  CHECK(j["instance"] == 1);
  CHECK(j["stream"] == "err");
  CHECK(j["message"] == "boom \"quoted\"");
  CHECK_FALSE(j.contains("continued"));
  r.continues = true;
  CHECK(format_log_line(r, "api", {}) == "boom \"quoted\" [continued]\n");
  CHECK(nlohmann::json::parse(format_log_line(r, "api", {"", true}))["continued"] == true);
}

TEST_CASE("a log file rotates by rename and keeps log_retain files", "[log]") {
  TempDir dir;
  auto path = (dir.path / "app-out.log").string();
  LogFile f(path, RotationPolicy{100, 2});
  for (int i = 0; i < 10; ++i) f.write(std::string(39, 'a' + i) + "\n");  // 40 bytes each: 2 per file
  CHECK(slurp(path) == std::string(39, 'i') + "\n" + std::string(39, 'j') + "\n");
  CHECK(slurp(path + ".1") == std::string(39, 'g') + "\n" + std::string(39, 'h') + "\n");
  CHECK(slurp(path + ".2") == std::string(39, 'e') + "\n" + std::string(39, 'f') + "\n");
  CHECK_FALSE(fs::exists(path + ".3"));
  CHECK(f.error().empty());
}

TEST_CASE("reopen follows an external rename, truncate empties", "[log]") {
  TempDir dir;
  auto path = (dir.path / "x.log").string();
  LogFile f(path, {});
  f.write("one\n");
  fs::rename(path, path + ".moved");
  f.write("two\n");  // still the old file until reopened
  f.reopen();
  f.write("three\n");
  CHECK(slurp(path + ".moved") == "one\ntwo\n");
  CHECK(slurp(path) == "three\n");
  f.truncate();
  CHECK(fs::file_size(path) == 0);
}

TEST_CASE("a file that refuses writes is reported and its lines kept for later", "[log]") {
  LogFile f("/dev/full", {});
  f.write("lost?\n");
  CHECK_THAT(f.error(), Catch::Contains("No space left"));
  CHECK(f.dropped_lines() == 0);  // kept in memory, retried; dropped only past the bound
  LogFile nothing("/dev/null", {});
  nothing.write("gone\n");
  CHECK(nothing.error().empty());
}

TEST_CASE("an app log names per-instance files as PM2 does and keeps a bounded tail", "[log]") {
  TempDir dir;
  LogSettings s;
  s.out_file = (dir.path / "api-out.log").string();
  s.error_file = (dir.path / "api-error.log").string();
  s.log_file = (dir.path / "api.log").string();
  s.per_instance = true;
  AppLog log("api", s);
  std::vector<std::string> followed;
  std::vector<std::shared_ptr<const std::string>> encodings;
  int token = log.subscribe({[&](const FollowedLine& l) {
                               followed.push_back(l.record().text);
                               encodings.push_back(l.notification());
                               return true;
                             },
                             {}});
  // A second follower of the same line gets the very same encoding: one per line, not per follower.
  int second = log.subscribe({[&](const FollowedLine& l) { return l.notification() == encodings.back(); }, {}});
  log.write_line(4, 0, false, "from 4");
  log.write_line(5, 1, true, "err from 5");
  log.unsubscribe(token);
  log.unsubscribe(second);
  log.write_line(4, 0, false, "after");
  CHECK_THAT(*encodings.front(), Catch::Contains("\"method\":\"log\"") && Catch::Contains("\"text\":\"from 4\""));
  CHECK(slurp(dir.path / "api-out-4.log") == "from 4\nafter\n");
  CHECK(slurp(dir.path / "api-error-5.log") == "err from 5\n");
  CHECK(slurp(dir.path / "api.log") == "from 4\nerr from 5\nafter\n");
  CHECK(log.out_path(4) == (dir.path / "api-out-4.log").string());
  CHECK(followed == std::vector<std::string>{"from 4", "err from 5"});
  auto tail = log.tail(2);
  REQUIRE(tail.size() == 2);
  CHECK(tail[0].text == "err from 5");
  CHECK(tail[1].text == "after");
  for (std::size_t i = 0; i < AppLog::kTailLines + 10; ++i) log.write_line(4, 0, false, "x");
  CHECK(log.tail(1'000'000).size() == AppLog::kTailLines);
}

TEST_CASE("a follower that falls behind is paused, skipped without a call, and told what it missed", "[log]") {
  TempDir dir;
  LogSettings s;
  s.out_file = s.error_file = "/dev/null";
  AppLog log("api", s);
  bool has_room = false;
  int delivered = 0, calls = 0;
  std::uint64_t missed = 0;
  log.subscribe({[&](const FollowedLine&) {
                   ++calls;
                   if (!has_room) return false;
                   ++delivered;
                   return true;
                 },
                 [&](std::uint64_t skipped) {
                   if (!has_room) return false;
                   missed += skipped;
                   return true;
                 }});
  for (int i = 0; i < 1000; ++i) log.write_line(0, 0, false, "line");
  CHECK(calls == 1);  // paused at the first line it could not take; never called again
  log.resume_paused();
  CHECK(missed == 0);
  has_room = true;
  log.resume_paused();
  CHECK(missed == 1000);
  log.write_line(0, 0, false, "after");
  CHECK(delivered == 1);
}
