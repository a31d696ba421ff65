// Log formatting, files and the per-app hub, without processes.
#include "logs/app_log.h"
#include "logs/log_file.h"
#include "logs/log_format.h"
#include "logs/torn_write.h"

#include "temp_dir.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>

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

namespace {

// Records every write a log file notes, as the output board would keep it.
struct RecordingJournal : WriteJournal {
  std::vector<WriteInFlight> writes;
  bool under_way = false;
  void begin(std::string_view path, std::uint64_t device, std::uint64_t inode, std::uint64_t offset,
             std::uint64_t length) override {
    CHECK_FALSE(under_way);
    writes.push_back({std::string(path), device, inode, offset, length});
    under_way = true;
  }
  void end() override { under_way = false; }
};

}  // namespace

TEST_CASE("lines added between two commits reach the file in one noted write, split only where it rotates", "[log]") {
  TempDir dir;
  auto path = (dir.path / "batch.log").string();
  RecordingJournal journal;
  LogFile f(path, RotationPolicy{100, 2});
  f.set_journal(&journal);
  f.add("one\n");
  f.add("two\n");
  CHECK(slurp(path).empty());  // nothing before the commit
  f.commit();
  CHECK(slurp(path) == "one\ntwo\n");
  REQUIRE(journal.writes.size() == 1);
  CHECK(journal.writes[0].path == path);
  CHECK(journal.writes[0].offset == 0);
  CHECK(journal.writes[0].length == 8);
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  CHECK(journal.writes[0].inode == static_cast<std::uint64_t>(st.st_ino));
  CHECK(journal.writes[0].device == static_cast<std::uint64_t>(st.st_dev));
  CHECK_FALSE(journal.under_way);
  // 8 + 4 x 40 bytes: the first two 40-byte lines fit the 100-byte limit, the rest start a new file.
  for (char c : {'a', 'b', 'c', 'd'}) f.add(std::string(39, c) + "\n");
  f.commit();
  CHECK(slurp(path + ".1") == "one\ntwo\n" + std::string(39, 'a') + "\n" + std::string(39, 'b') + "\n");
  CHECK(slurp(path) == std::string(39, 'c') + "\n" + std::string(39, 'd') + "\n");
  REQUIRE(journal.writes.size() == 3);
  CHECK(journal.writes[1].offset == 8);
  CHECK(journal.writes[1].length == 80);
  CHECK(journal.writes[2].offset == 0);
  CHECK(journal.writes[2].length == 80);
  CHECK(journal.writes[2].inode != journal.writes[1].inode);
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

TEST_CASE("an app log says when a write left a file failing, and what its upkeep needs", "[log]") {
  TempDir dir;
  LogSettings s;
  s.out_file = (dir.path / "api-out.log").string();
  s.error_file = "/dev/full";
  AppLog log("api", s);
  int told = 0;
  log.on_failure([&] { ++told; });
  log.write_line(0, 0, false, "fine");
  CHECK(told == 0);
  CHECK_FALSE(log.needs_upkeep());
  log.write_line(0, 0, true, "no room");
  CHECK(told == 1);
  CHECK(log.needs_upkeep());  // its retries are due
  // A follower needs the pace too: it may fall behind at any line.
  AppLog quiet("quiet", LogSettings{"/dev/null", "/dev/null", "", false, {}, {}, {}});
  CHECK_FALSE(quiet.needs_upkeep());
  int token = quiet.subscribe({[](const FollowedLine&) { return true; }, {}});
  CHECK(quiet.needs_upkeep());
  quiet.unsubscribe(token);
  CHECK_FALSE(quiet.needs_upkeep());
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

namespace {

// A file as a pmd killed inside a write leaves it: `kept` written before, then part of a write
// of `length` bytes.
WriteInFlight torn_file(const std::string& path, const std::string& kept, const std::string& part,
                        std::uint64_t length) {
  std::ofstream(path, std::ios::binary) << kept << part;
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return {path, static_cast<std::uint64_t>(st.st_dev), static_cast<std::uint64_t>(st.st_ino), kept.size(), length};
}

}  // namespace

TEST_CASE("a write torn by a SIGKILL is cut back to its last whole line, and only the file written is touched",
          "[log]") {
  TempDir dir;
  const auto path = (dir.path / "torn.log").string();
  // Torn inside its third line: the two whole lines stay.
  auto w = torn_file(path, "before\n", "line 1\nline 2\nli", 21);
  CHECK_THAT(cut_torn_write(w), Catch::Contains("cut 2 byte(s)"));
  CHECK(slurp(path) == "before\nline 1\nline 2\n");
  // Torn inside its first line: back to where the write began.
  w = torn_file(path, "before\n", "lin", 21);
  CHECK_THAT(cut_torn_write(w), Catch::Contains("cut 3 byte(s)"));
  CHECK(slurp(path) == "before\n");
  // Stopped between two lines, never begun, or whole: nothing to cut.
  for (const auto& [part, length] :
       std::vector<std::pair<std::string, int>>{{"line 1\n", 14}, {"", 14}, {"line 1\nline 2\n", 14}}) {
    w = torn_file(path, "before\n", part, static_cast<std::uint64_t>(length));
    CHECK(cut_torn_write(w).empty());
    CHECK(slurp(path) == "before\n" + part);
  }
  // A note claiming a write no pmd makes (over 16 MiB) is not read into memory.
  w = torn_file(path, "before\n", "line 1\nli", std::uint64_t{1} << 40);
  CHECK(cut_torn_write(w).empty());
  CHECK(slurp(path) == "before\nline 1\nli");
  // Another file now at that path (renamed away, replaced), or a symlink planted there: left alone.
  w = torn_file(path, "before\n", "line 1\nli", 21);
  fs::rename(path, path + ".old");
  std::ofstream(path) << "before\nline 1\nli";
  CHECK(cut_torn_write(w).empty());
  CHECK(slurp(path) == "before\nline 1\nli");
  CHECK(slurp(path + ".old") == "before\nline 1\nli");
  fs::remove(path);
  fs::create_symlink(path + ".old", path);
  CHECK(cut_torn_write(w).empty());
  CHECK(slurp(path + ".old") == "before\nline 1\nli");
}
