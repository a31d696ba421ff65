// Logs end to end: a flood from two instances lands whole and complete in one merged file, and
// across rotations; `pmctl logs` shows recent lines and follows live ones; reloadLogs reopens
// after an external rename; a failing disk is reported while the app keeps running.
#include "daemon_fixture.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <sstream>

using namespace pmd::test;
namespace fs = std::filesystem;

namespace {

constexpr int kLinesPerInstance = 30000;

// Checks that `text` holds exactly kLinesPerInstance lines per instance, each whole, each
// instance's lines in order. Returns a description of the first problem, or "".
std::string check_flood(const std::string& text, int instances) {
  const std::string pad(80, '.');
  std::map<int, int> next;
  std::istringstream in(text);
  int line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    std::istringstream fields(line);
    int instance = -1, n = -1;
    std::string rest;
    fields >> instance >> n >> rest;
    if (instance < 0 || instance >= instances || rest != pad)
      return "line " + std::to_string(line_no) + " is torn or foreign: \"" + line.substr(0, 120) + "\"";
    if (n != next[instance])
      return "instance " + std::to_string(instance) + ": expected line " + std::to_string(next[instance]) + ", found " +
             std::to_string(n) + " at line " + std::to_string(line_no);
    ++next[instance];
  }
  for (int i = 0; i < instances; ++i)
    if (next[i] != kLinesPerInstance)
      return "instance " + std::to_string(i) + " has " + std::to_string(next[i]) + " lines, expected " +
             std::to_string(kLinesPerInstance);
  return {};
}

bool all_stopped(const Daemon& d, const std::string& name) {
  auto list = d.list();
  int stopped = 0;
  for (auto& v : list)
    if (v["name"] == name && v["status"] == "stopped") ++stopped;
  return stopped == 2;
}

// A `pmctl logs` running in the background, its output in a file.
struct Follower {
  pid_t pid = -1;
  fs::path out;
  Follower(const Daemon& d, std::vector<std::string> args) : out(d.home() / "follower.out") {
    pid = ::fork();
    if (pid == 0) {
      int fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::setenv("PMD_HOME", d.home().c_str(), 1);
      std::string pmctl = (bin_dir() / "pmctl").string();
      std::vector<char*> argv = {pmctl.data()};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      _exit(127);
    }
  }
  ~Follower() {
    ::kill(pid, SIGINT);
    ::waitpid(pid, nullptr, 0);
  }
  std::string text() const { return read_file(out); }
};

}  // namespace

TEST_CASE("two instances flooding a merged log: every line once, whole, in order", "[logs]") {
  Daemon d;
  RunOptions env;
  env.env["FLOOD_LINES"] = std::to_string(kLinesPerInstance);
  REQUIRE(
      d.pmctl({"start", fixture("flood.sh").string(), "-i", "2", "--merge-logs", "--no-autorestart"}, env).exit_code ==
      0);
  REQUIRE(wait_until([&] { return all_stopped(d, "flood"); }, 60s));
  CHECK(check_flood(read_file(d.home() / "logs" / "flood-out.log"), 2) == "");
}

TEST_CASE("rotation while flooding loses nothing: rotated files plus the current one hold every line", "[logs]") {
  Daemon d;
  RunOptions env;
  env.env["FLOOD_LINES"] = std::to_string(kLinesPerInstance);
  REQUIRE(d.pmctl({"start", fixture("flood.sh").string(), "-i", "2", "--merge-logs", "--no-autorestart",
                   "--log-max-size", "256K", "--log-retain", "1000"},
                  env)
              .exit_code == 0);
  REQUIRE(wait_until([&] { return all_stopped(d, "flood"); }, 60s));
  const fs::path base = d.home() / "logs" / "flood-out.log";
  std::string all;
  int rotated = 0;
  while (fs::exists(base.string() + "." + std::to_string(rotated + 1))) ++rotated;
  CHECK(rotated >= 10);  // 2 x 30,000 lines of ~90 bytes past 256 KiB each time
  for (int i = rotated; i >= 1; --i) {
    auto part = base.string() + "." + std::to_string(i);
    CHECK(fs::file_size(part) <= 256 * 1024);
    all += read_file(part);
  }
  all += read_file(base);
  CHECK(check_flood(all, 2) == "");
}

TEST_CASE("pmctl logs shows recent lines, prefixed, and follows new ones live", "[logs]") {
  Daemon d;
  auto script = d.home() / "talk.sh";
  // Says three lines, then one more each time a file appears, so the test decides when.
  std::ofstream(script) << "#!/bin/sh\necho first\necho second >&2\necho third\n"
                           "while [ ! -e \"$0.go\" ]; do sleep 0.05; done\necho live line\nsleep 1000\n";
  fs::permissions(script, fs::perms::owner_all);
  REQUIRE(d.pmctl({"start", script.string()}).exit_code == 0);
  REQUIRE(wait_until([&] { return read_file(d.home() / "logs" / "talk-out.log").find("third") != std::string::npos; }));

  // stdout and stderr are separate pipes: lines keep their order within a stream, not across.
  auto recent = d.pmctl({"logs", "talk", "--nostream", "--lines", "3"});
  CHECK(recent.exit_code == 0);
  for (const char* line : {"0|talk | first\n", "0|talk | second\n", "0|talk | third\n"})
    CHECK_THAT(recent.out, Catch::Contains(line));
  CHECK(recent.out.find("first") < recent.out.find("third"));
  CHECK(d.pmctl({"logs", "talk", "--nostream", "--lines", "3", "--err"}).out == "0|talk | second\n");
  CHECK(d.pmctl({"logs", "talk", "--nostream", "--lines", "3", "--out"}).out == "0|talk | first\n0|talk | third\n");
  auto as_json = d.pmctl({"logs", "--nostream", "--lines", "3", "--json"});
  std::istringstream json_lines(as_json.out);
  int records = 0;
  for (std::string line; std::getline(json_lines, line); ++records) {
    auto record = nlohmann::json::parse(line);
    CHECK(record["app"] == "talk");
    CHECK(record["stream"] == (record["text"] == "second" ? "err" : "out"));
  }
  CHECK(records == 3);

  // Following: once the recent line is printed the follower is subscribed; then cue the app.
  Follower follower(d, {"logs", "talk", "--lines", "1"});
  REQUIRE(wait_until([&] { return !follower.text().empty(); }));
  std::ofstream(script.string() + ".go") << "";
  CHECK(wait_until([&] { return follower.text().find("0|talk | live line") != std::string::npos; }));
}

TEST_CASE("pmctl logs (all) also follows apps started after it", "[logs]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "early"}).exit_code == 0);
  REQUIRE(wait_until([&] { return !json_reports(d, "early").empty(); }));
  Follower follower(d, {"logs", "--lines", "1"});
  REQUIRE(wait_until([&] { return follower.text().find("|early") != std::string::npos; }));
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "late"}).exit_code == 0);
  CHECK(wait_until([&] { return follower.text().find("1|late") != std::string::npos; }));
}

TEST_CASE("reloadLogs reopens files moved away by an external logrotate", "[logs]") {
  Daemon d;
  auto script = d.home() / "ticker.sh";
  std::ofstream(script) << "#!/bin/sh\nn=0\nwhile :; do echo tick $n; n=$((n+1)); sleep 0.02; done\n";
  fs::permissions(script, fs::perms::owner_all);
  REQUIRE(d.pmctl({"start", script.string()}).exit_code == 0);
  const fs::path log = d.home() / "logs" / "ticker-out.log";
  REQUIRE(wait_until([&] { return read_file(log).find("tick 3") != std::string::npos; }));
  fs::rename(log, log.string() + ".old");
  REQUIRE(d.pmctl({"reloadLogs"}).exit_code == 0);
  CHECK(wait_until([&] { return fs::exists(log) && read_file(log).find("tick") != std::string::npos; }));
  // SIGUSR1 does the same.
  fs::rename(log, log.string() + ".older");
  ::kill(d.pid(), SIGUSR1);
  CHECK(wait_until([&] { return fs::exists(log) && read_file(log).find("tick") != std::string::npos; }));
}

TEST_CASE("a log file that cannot be written is reported and the app keeps running", "[logs]") {
  Daemon d;
  auto script = d.home() / "ticker.sh";
  std::ofstream(script) << "#!/bin/sh\nwhile :; do echo tick; sleep 0.02; done\n";
  fs::permissions(script, fs::perms::owner_all);
  REQUIRE(d.pmctl({"start", script.string(), "--output", "/dev/full"}).exit_code == 0);
  CHECK(wait_until([&] { return d.describe("ticker").contains("log_error"); }));
  auto v = d.describe("ticker");
  CHECK_THAT(v["log_error"].get<std::string>(), Catch::Contains("/dev/full") && Catch::Contains("No space left"));
  CHECK(v["status"] == "online");
  CHECK_THAT(read_file(d.home() / "pmd.stderr"), Catch::Contains("log file problem"));
  // The lines are still in memory for `pmctl logs`.
  CHECK_THAT(d.pmctl({"logs", "--nostream"}).out, Catch::Contains("tick"));
}

TEST_CASE("per-instance files without merge_logs, and flush empties them", "[logs]") {
  Daemon d;
  RunOptions env;
  env.env["FLOOD_LINES"] = "10";
  REQUIRE(d.pmctl({"start", fixture("flood.sh").string(), "-i", "2", "--no-autorestart"}, env).exit_code == 0);
  REQUIRE(wait_until([&] { return all_stopped(d, "flood"); }));
  auto id0 = d.list()[0]["id"].get<int>(), id1 = d.list()[1]["id"].get<int>();
  auto f0 = d.home() / "logs" / ("flood-out-" + std::to_string(id0) + ".log");
  auto f1 = d.home() / "logs" / ("flood-out-" + std::to_string(id1) + ".log");
  CHECK_THAT(read_file(f0), Catch::StartsWith("0 0 "));
  CHECK_THAT(read_file(f1), Catch::StartsWith("1 0 "));
  CHECK(d.describe(std::to_string(id1))["out_file"] == f1.string());
  REQUIRE(d.pmctl({"flush", "flood"}).exit_code == 0);
  CHECK(fs::file_size(f0) == 0);
  CHECK(fs::file_size(f1) == 0);
  CHECK(d.pmctl({"logs", "--nostream"}).out.empty());
}

TEST_CASE("a line longer than 64 KiB is kept whole, in marked pieces, a last line without newline too", "[logs]") {
  Daemon d;
  auto script = d.home() / "long.sh";
  std::ofstream(script) << "#!/bin/sh\nhead -c 150000 /dev/zero | tr '\\0' 'x'\necho\nprintf 'no newline at the end'\n";
  fs::permissions(script, fs::perms::owner_all);
  REQUIRE(d.pmctl({"start", script.string(), "--no-autorestart"}).exit_code == 0);
  REQUIRE(d.wait_status("long", "stopped"));
  std::istringstream in(read_file(d.home() / "logs" / "long-out.log"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  REQUIRE(lines.size() == 4);
  const std::string mark = " [continued]";
  CHECK(lines[0] == std::string(65536, 'x') + mark);
  CHECK(lines[1] == std::string(65536, 'x') + mark);
  CHECK(lines[2] == std::string(150000 - 2 * 65536, 'x'));
  CHECK(lines[3] == "no newline at the end");
}
