// The restart policy against real processes: crash loops end errored, clean exits can stay down,
// a restart keeps the name and id but changes the pid, and fds do not leak across restarts.
#include "daemon_fixture.h"

#include <catch2/catch.hpp>

using namespace pmd::test;

TEST_CASE("an app that exits at once ends errored after max_restarts", "[restart]") {
  Daemon d;
  auto r = d.pmctl({"start", fixture("crash_at_once.sh").string(), "--name", "crasher", "--max-restarts", "3"});
  REQUIRE(r.exit_code == 0);
  REQUIRE(d.wait_status("crasher", "errored"));
  auto v = d.describe("crasher");
  CHECK(v["restarts"] == 3);
  CHECK(v["pid"].is_null());
  CHECK(v["last_exit"]["code"] == 1);
  const std::string reason = v["reason"];
  CHECK_THAT(reason, Catch::Contains("exit code 1") && Catch::Contains("4 times in a row") &&
                         Catch::Contains("max_restarts 3"));
  // It stays down until a person acts, and its output reached the logs, stdout and stderr apart.
  CHECK(d.instance("crasher")["status"] == "errored");
  CHECK_THAT(read_file(d.home() / "logs" / "crasher-out.log"), Catch::Contains("crashing now"));
  CHECK_THAT(read_file(d.home() / "logs" / "crasher-error.log"), Catch::Contains("fatal: nothing works"));

  // A person acting: start brings it back (and it crash-loops again to errored).
  CHECK(d.pmctl({"start", "crasher"}).exit_code == 0);
  CHECK(d.wait_status("crasher", "errored"));
  CHECK(d.describe("crasher")["restarts"].get<int>() >= 4);
}

TEST_CASE("stop_exit_codes and --no-autorestart leave the app stopped", "[restart]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("exit_with.sh").string(), "--name", "clean", "--stop-exit-codes", "0", "--", "0"})
              .exit_code == 0);
  REQUIRE(
      d.pmctl({"start", fixture("exit_with.sh").string(), "--name", "once", "--no-autorestart", "--", "3"}).exit_code ==
      0);
  REQUIRE(d.wait_status("clean", "stopped"));
  REQUIRE(d.wait_status("once", "stopped"));
  CHECK_THAT(d.describe("clean")["reason"].get<std::string>(), Catch::Contains("stop_exit_codes"));
  CHECK_THAT(d.describe("once")["reason"].get<std::string>(), Catch::Contains("autorestart is off"));
  CHECK(d.describe("clean")["restarts"] == 0);
  CHECK(d.describe("once")["last_exit"]["code"] == 3);
}

TEST_CASE("restart keeps the name and id and gives a new pid", "[restart]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "web"}).exit_code == 0);
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "other"}).exit_code == 0);
  auto before = d.instance("web");
  REQUIRE(before["status"] == "online");
  for (const std::string& target : std::vector<std::string>{"web", before["id"].dump()}) {
    auto pid_before = d.instance("web")["pid"];
    auto r = d.pmctl({"restart", target});
    REQUIRE(r.exit_code == 0);
    auto after = d.instance("web");
    CHECK(after["id"] == before["id"]);
    CHECK(after["name"] == "web");
    CHECK(after["status"] == "online");
    CHECK(after["pid"] != pid_before);
    CHECK_FALSE(process_alive(pid_before.get<pid_t>()));
  }
  CHECK(d.instance("web")["restarts"] == 2);
  CHECK(d.instance("other")["restarts"] == 0);
  REQUIRE(d.pmctl({"restart", "all"}).exit_code == 0);
  CHECK(d.instance("other")["restarts"] == 1);
}

TEST_CASE("a stable app's crash restarts at once, then its leftovers are killed, and the pid file names the new pid",
          "[restart]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("crashes_after_a_while.sh").string(), "--name", "flaky", "--restart-delay", "0"})
              .exit_code == 0);
  REQUIRE(wait_until([&] { return d.instance("flaky")["restarts"].get<int>() >= 1; }, 20s));
  // The old launch is released after the new one is exec'd: its child left behind is killed all
  // the same, and its pid file, which the new launch rewrote, is not removed.
  const std::string out = read_file(d.home() / "logs" / "flaky-out.log");
  const auto at = out.find("leftover ");
  REQUIRE(at != std::string::npos);
  const pid_t leftover = std::stoi(out.substr(at + 9));
  CHECK(wait_until([&] { return !process_alive(leftover); }, 5s));
  const auto pid_file = d.home() / "pids" / ("flaky-" + d.instance("flaky")["id"].dump() + ".pid");
  CHECK(wait_until(
      [&] {
        const auto now = d.instance("flaky");
        return now["pid"].is_number() && read_file(pid_file) == now["pid"].dump() + "\n";
      },
      5s));
}

TEST_CASE("the daemon's fd count stays flat over many restarts", "[restart]") {
  Daemon d;
  // min-uptime 0: no run counts as unstable, so it restarts forever at the minimum delay.
  REQUIRE(d.pmctl({"start", fixture("crash_at_once.sh").string(), "--name", "loop", "--min-uptime", "0"}).exit_code ==
          0);
  REQUIRE(wait_until([&] { return d.instance("loop")["restarts"].get<int>() >= 10; }, 30s));
  int fds_early = count_open_fds(d.pid());
  REQUIRE(wait_until([&] { return d.instance("loop")["restarts"].get<int>() >= 60; }, 60s));
  // The instance may be between runs or mid-run at either count (two pipes of slack), and the
  // connection of the pmctl that just asked may not be closed yet: allow it a moment.
  CHECK(wait_until([&] { return count_open_fds(d.pid()) <= fds_early + 2; }, 5s));
  CHECK(zombie_children_of(d.pid()).empty());
  REQUIRE(d.pmctl({"delete", "loop"}).exit_code == 0);
}
