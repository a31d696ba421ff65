// Stopping: graceful when the app cooperates, SIGKILL after kill_timeout when it does not, and
// nothing of the app left afterwards: no grandchild, no process that left the group, no zombie.
#include "daemon_fixture.h"
#include "skip.h"

#include <catch2/catch.hpp>

#include <csignal>
#include <sstream>

using namespace pmd::test;

namespace {
std::vector<pid_t> read_pids(const std::filesystem::path& file) {
  std::vector<pid_t> pids;
  std::istringstream in(read_file(file));
  for (pid_t p; in >> p;) pids.push_back(p);
  return pids;
}
}  // namespace

TEST_CASE("an app ignoring SIGINT and SIGTERM is killed after kill_timeout", "[stop]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("ignore_stop_signals.sh").string(), "--name", "stubborn", "--kill-timeout", "300"})
              .exit_code == 0);
  REQUIRE(d.wait_status("stubborn", "online"));
  pid_t pid = d.instance("stubborn")["pid"].get<pid_t>();
  // Wait for the trap to be installed (the first line of output) before asking it to stop.
  REQUIRE(wait_until(
      [&] { return read_file(d.home() / "logs" / "stubborn-out.log").find("ignoring") != std::string::npos; }));

  auto stop = d.pmctl({"stop", "stubborn"});
  CHECK(stop.exit_code == 0);
  CHECK_FALSE(process_alive(pid));
  auto v = d.describe("stubborn");
  CHECK(v["status"] == "stopped");
  CHECK_THAT(v["reason"].get<std::string>(), Catch::Contains("SIGKILL after kill_timeout 300ms"));
  CHECK(zombie_children_of(d.pid()).empty());
}

TEST_CASE("a cooperative app stops gracefully on SIGINT", "[stop]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("hello.js").string()}).exit_code == 0);
  REQUIRE(
      wait_until([&] { return read_file(d.home() / "logs" / "hello-out.log").find("\"pid\"") != std::string::npos; }));
  REQUIRE(d.pmctl({"stop", "hello"}).exit_code == 0);
  CHECK_THAT(read_file(d.home() / "logs" / "hello-out.log"), Catch::Contains("graceful shutdown"));
  auto v = d.describe("hello");
  CHECK(v["status"] == "stopped");
  CHECK(v["last_exit"]["code"] == 0);
}

TEST_CASE("a fork-mode Node app gets its stop signal at once: only cluster mode drains first", "[stop][node]") {
  // With a long kill_timeout a wrongly awaited drain (3/4 of it) would show; the app exits on
  // SIGINT itself, so the stop is over as soon as the signal arrives.
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--kill-timeout", "60s"}).exit_code == 0);
  REQUIRE(
      wait_until([&] { return read_file(d.home() / "logs" / "hello-out.log").find("\"pid\"") != std::string::npos; }));
  const auto began = std::chrono::steady_clock::now();
  REQUIRE(d.pmctl({"stop", "hello"}).exit_code == 0);
  CHECK(std::chrono::steady_clock::now() - began < 30s);
  CHECK_THAT(read_file(d.home() / "logs" / "hello-out.log"), Catch::Contains("graceful shutdown"));
}

TEST_CASE("stop and delete leave no process of the tree, grandchildren included", "[stop]") {
  Daemon d;
  for (const std::string& verb : std::vector<std::string>{"stop", "delete"}) {
    DYNAMIC_SECTION("pmctl " << verb) {
      auto pids_file = d.home() / ("pids-" + verb);
      RunOptions with_pids;
      with_pids.env["PIDS_FILE"] = pids_file.string();
      REQUIRE(d.pmctl({"start", fixture("forks_grandchildren.sh").string(), "--name", "tree", "--kill-timeout", "300"},
                      with_pids)
                  .exit_code == 0);
      REQUIRE(wait_until([&] { return read_pids(pids_file).size() == 5; }));
      pid_t main_pid = d.instance("tree")["pid"].get<pid_t>();
      auto pids = read_pids(pids_file);
      pids.push_back(main_pid);
      for (pid_t p : pids) REQUIRE(process_alive(p));

      auto r = d.pmctl({verb, "tree"});
      CHECK(r.exit_code == 0);
      for (pid_t p : pids) {
        INFO("pid " << p << " of the app's tree");
        CHECK(wait_until([&] { return !process_alive(p); }, 5s));
      }
      CHECK(wait_until([&] { return zombie_children_of(d.pid()).empty(); }, 5s));
      if (verb == "stop") REQUIRE(d.pmctl({"delete", "tree"}).exit_code == 0);
      CHECK(d.list().empty());
    }
  }
}

TEST_CASE("SIGTERM to pmd stops every app gracefully, then pmd exits 0", "[stop]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "a"}).exit_code == 0);
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "b"}).exit_code == 0);
  // Both have installed their SIGINT handler once they have printed their report.
  for (const char* app : {"a", "b"})
    REQUIRE(wait_until([&] {
      return read_file(d.home() / "logs" / (std::string(app) + "-out.log")).find("\"pid\"") != std::string::npos;
    }));
  pid_t a = d.instance("a")["pid"].get<pid_t>();
  pid_t b = d.instance("b")["pid"].get<pid_t>();
  CHECK(d.terminate() == 0);
  CHECK_FALSE(process_alive(a));
  CHECK_FALSE(process_alive(b));
  CHECK_THAT(read_file(d.home() / "logs" / "a-out.log"), Catch::Contains("graceful shutdown"));
  CHECK_THAT(read_file(d.home() / "logs" / "b-out.log"), Catch::Contains("graceful shutdown"));
  CHECK_FALSE(std::filesystem::exists(d.home() / "pmd.sock"));
}

TEST_CASE("where cgroups v2 are usable, a daemon that hid from everything else is stopped with its app",
          "[stop][cgroup]") {
  Daemon d;
  auto pids_file = d.home() / "hidden-pids";
  RunOptions with_pids;
  with_pids.env["PIDS_FILE"] = pids_file.string();
  REQUIRE(d.pmctl({"start", fixture("hides_a_daemon.sh").string(), "--name", "hider"}, with_pids).exit_code == 0);
  REQUIRE(wait_until([&] { return read_pids(pids_file).size() == 1; }));
  const pid_t hidden = read_pids(pids_file).front();
  auto v = d.describe("hider");
  if (v["cgroup"].is_null()) {
    ::kill(hidden, SIGKILL);
    PMD_SKIP(pmd::test::Need::kCgroup2,
             "no usable cgroup v2 here (pmd falls back to process groups, /proc and PMD_UNIT)");
  }
  // The hidden daemon is in the launch's cgroup.
  CHECK_THAT(read_file("/proc/" + std::to_string(hidden) + "/cgroup"),
             Catch::Contains(v["cgroup"].get<std::string>().substr(v["cgroup"].get<std::string>().rfind("/pmd-"))));
  REQUIRE(d.pmctl({"stop", "hider"}).exit_code == 0);
  CHECK(wait_until([&] { return !process_alive(hidden); }, 5s));
  REQUIRE(d.pmctl({"delete", "hider"}).exit_code == 0);
}
