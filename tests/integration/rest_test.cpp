// pmd at rest: nobody looks, no memory limit to enforce. It then wakes up once a quiet period
// (30 sampling intervals) instead of every interval, and is told, not asking, of what needs it
// sooner: a killed fd holder (its socket hangs up), a deleted socket (inotify on the home), a
// client's request, a look at the figures, an app with a memory limit.
#include "daemon_fixture.h"
#include "process_utils.h"

#include <catch2/catch.hpp>

#include <signal.h>

#include <fstream>
#include <thread>

using namespace pmd::test;

namespace {

// Times the kernel put pmd to sleep and woke it up again (each wake-up of its loop is one).
long voluntary_switches(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  for (std::string line; std::getline(in, line);)
    if (line.rfind("voluntary_ctxt_switches:", 0) == 0) return std::stol(line.substr(line.find(':') + 1));
  return -1;
}

bool says(const Daemon& d, const std::string& words) {
  return d.pmctl({"version"}).out.find(words) != std::string::npos;
}

}  // namespace

TEST_CASE("at rest pmd wakes up once a quiet period, and is told at once of a killed holder or a deleted socket",
          "[rest]") {
  // 500 ms sampling: a quiet period is 15 s, a look keeps the pace for 60 s.
  Daemon d({"--sample-interval", "500ms"});
  // --silent: no process table after the start, so nobody has looked at the figures.
  REQUIRE(d.pmctl({"start", "/bin/sleep", "--name", "idle", "--silent", "--", "100000"}).exit_code == 0);
  REQUIRE(wait_until([&] { return says(d, "at rest: it wakes up every 15s"); }));
  // That request hurried one tick, within an interval; once it has run, the next is 15 s away.
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));

  SECTION("it sleeps between quiet ticks") {
    REQUIRE(wait_until(
        [&] {
          const long before = voluntary_switches(d.pid());
          std::this_thread::sleep_for(std::chrono::seconds(3));
          const long woke = voluntary_switches(d.pid()) - before;
          INFO("wake-ups in 3 s: " << woke << " (every interval would be 6)");
          return woke <= 1;
        },
        20s));
  }

  SECTION("a killed fd holder is replaced without waiting for a tick") {
    const pid_t first = d.holder_pid();
    REQUIRE(first > 0);
    ::kill(first, SIGKILL);
    // The next tick is up to 15 s away; being told takes milliseconds.
    CHECK(wait_until([&] { return d.log_tail().find("the fd holder is gone") != std::string::npos; }, 5s));
    CHECK(wait_until([&] { return d.holder_pid() > 0 && d.holder_pid() != first; }, 5s));
  }

  SECTION("a deleted socket is made again within an interval, not a quiet period") {
    const auto socket = d.home() / "pmd.sock";
    std::filesystem::remove(socket);
    CHECK(wait_until([&] { return std::filesystem::exists(socket); }, 5s));
    CHECK(d.pmctl({"ping"}).exit_code == 0);
  }

  SECTION("a look at the figures brings the pace back") {
    REQUIRE(d.pmctl({"list"}).exit_code == 0);
    CHECK(wait_until([&] { return says(d, "it samples every 500ms"); }, 5s));
  }

  SECTION("an app with a memory limit keeps the pace while nobody looks") {
    REQUIRE(
        d.pmctl({"start", "/bin/sleep", "--name", "limited", "--max-memory-restart", "1G", "--silent", "--", "100000"})
            .exit_code == 0);
    CHECK(wait_until([&] { return says(d, "it samples every 500ms"); }, 5s));
    REQUIRE(d.pmctl({"delete", "limited", "--silent"}).exit_code == 0);
    CHECK(wait_until([&] { return says(d, "at rest: it wakes up every 15s"); }, 5s));
  }
}
