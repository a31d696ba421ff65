// The restart table, without processes or clocks.
#include "supervise/restart_policy.h"

#include <catch2/catch.hpp>

using namespace pmd::policy;
using std::chrono::milliseconds;

namespace {
ExitStatus code(int c) { return ExitStatus{false, c, 0}; }
ExitStatus sig(int s) { return ExitStatus{true, 0, s}; }
}  // namespace

TEST_CASE("a crash loop restarts after the minimum delay even when restart_delay is 0", "[policy]") {
  RestartSettings s;
  auto d = decide_after_exit(s, code(1), milliseconds(50), {});
  CHECK(d.action == Action::kRestart);
  CHECK(d.delay == kMinRestartDelay);
  CHECK(d.history.unstable_restarts == 1);
}

TEST_CASE("with min_uptime 0 a crash loop still waits the minimum delay", "[policy]") {
  RestartSettings s;
  s.min_uptime = milliseconds(0);
  auto d = decide_after_exit(s, code(1), milliseconds(5), {});
  CHECK(d.history.unstable_restarts == 0);
  CHECK(d.delay == kMinRestartDelay);
}

TEST_CASE("a crash after a stable run restarts at once with restart_delay 0", "[policy]") {
  RestartSettings s;
  auto d = decide_after_exit(s, code(1), milliseconds(60'000), {});
  CHECK(d.action == Action::kRestart);
  CHECK(d.delay == milliseconds(0));
  CHECK(d.history.unstable_restarts == 0);
}

TEST_CASE("restart_delay is honoured when above the minimum", "[policy]") {
  RestartSettings s;
  s.restart_delay = milliseconds(4000);
  CHECK(decide_after_exit(s, code(1), milliseconds(10'000), {}).delay == milliseconds(4000));
}

TEST_CASE("max_restarts counts consecutive runs shorter than min_uptime", "[policy]") {
  RestartSettings s;
  s.max_restarts = 3;
  RestartHistory h;
  for (int i = 1; i <= 3; ++i) {
    auto d = decide_after_exit(s, code(1), milliseconds(10), h);
    REQUIRE(d.action == Action::kRestart);
    h = d.history;
    CHECK(h.unstable_restarts == i);
  }
  auto d = decide_after_exit(s, code(1), milliseconds(10), h);
  CHECK(d.action == Action::kGiveUp);
  CHECK_THAT(d.reason, Catch::Contains("exit code 1") && Catch::Contains("max_restarts 3"));
}

TEST_CASE("a run longer than min_uptime resets the unstable count", "[policy]") {
  RestartSettings s;
  s.max_restarts = 1;
  RestartHistory h{1, milliseconds(0)};
  auto d = decide_after_exit(s, code(1), milliseconds(5000), h);
  CHECK(d.action == Action::kRestart);
  CHECK(d.history.unstable_restarts == 0);
}

TEST_CASE("max_restarts 0 means no restarts at all", "[policy]") {
  RestartSettings s;
  s.max_restarts = 0;
  CHECK(decide_after_exit(s, code(2), milliseconds(1), {}).action == Action::kGiveUp);
  auto after_long_run = decide_after_exit(s, code(2), milliseconds(3'600'000), {});
  CHECK(after_long_run.action == Action::kGiveUp);
  CHECK_THAT(after_long_run.reason, Catch::Contains("max_restarts is 0"));
}

TEST_CASE("autorestart off leaves the app stopped, whatever the exit", "[policy]") {
  RestartSettings s;
  s.autorestart = false;
  auto d = decide_after_exit(s, sig(9), milliseconds(1), {});
  CHECK(d.action == Action::kStop);
  CHECK_THAT(d.reason, Catch::Contains("autorestart is off") && Catch::Contains("SIGKILL"));
}

TEST_CASE("stop_exit_codes stop on those codes only, never on signals", "[policy]") {
  RestartSettings s;
  s.stop_exit_codes = {0, 3};
  CHECK(decide_after_exit(s, code(0), milliseconds(1), {}).action == Action::kStop);
  CHECK(decide_after_exit(s, code(3), milliseconds(1), {}).action == Action::kStop);
  CHECK(decide_after_exit(s, code(1), milliseconds(1), {}).action == Action::kRestart);
  CHECK(decide_after_exit(s, sig(15), milliseconds(1), {}).action == Action::kRestart);
}

TEST_CASE("exponential backoff grows x1.5, caps at 15 s, resets after 30 s up", "[policy]") {
  RestartSettings s;
  s.exp_backoff_restart_delay = milliseconds(100);
  s.max_restarts = 1000;
  s.min_uptime = milliseconds(0);
  RestartHistory h;
  std::vector<long long> delays;
  for (int i = 0; i < 4; ++i) {
    auto d = decide_after_exit(s, code(1), milliseconds(10), h);
    delays.push_back(d.delay.count());
    h = d.history;
  }
  CHECK(delays == std::vector<long long>{100, 150, 225, 338});
  for (int i = 0; i < 30; ++i) h = decide_after_exit(s, code(1), milliseconds(10), h).history;
  CHECK(decide_after_exit(s, code(1), milliseconds(10), h).delay == kMaxBackoffDelay);
  auto after_stable = decide_after_exit(s, code(1), kBackoffResetUptime, h);
  CHECK(after_stable.delay == milliseconds(100));
}

TEST_CASE("ExitStatus reads waitpid statuses and describes them", "[policy]") {
  auto exited = ExitStatus::from_wait_status(3 << 8);
  CHECK_FALSE(exited.signaled);
  CHECK(exited.code == 3);
  CHECK(exited.describe() == "exit code 3");
  auto killed = ExitStatus::from_wait_status(9);
  CHECK(killed.signaled);
  CHECK(killed.describe() == "signal SIGKILL");
}

TEST_CASE("memory over max_memory_restart gives a restart reason with both figures", "[policy]") {
  CHECK_FALSE(memory_restart_reason(500u << 20, 0));
  CHECK_FALSE(memory_restart_reason(300u << 20, 300u << 20));
  CHECK(memory_restart_reason(312u << 20, 300u << 20) == std::string("memory 312.0 MiB > limit 300.0 MiB"));
}
