// Readiness policy and the sd_notify message parser.
#include "supervise/readiness.h"
#include "process/notify_socket.h"

#include <catch2/catch.hpp>

using namespace pmd;
using namespace std::chrono_literals;
using policy::ReadySignal;

TEST_CASE("what an instance must do to count as ready", "[readiness]") {
  AppSpec spec;
  spec.listen_timeout = 3000ms;
  spec.min_uptime = 1000ms;

  SECTION("fork mode without wait_ready: online at once, as in PM2") {
    auto plan = policy::plan_readiness(spec, false, true);
    CHECK(plan.signal == ReadySignal::kAtLaunch);
  }
  SECTION("wait_ready: an explicit message within listen_timeout, in any mode") {
    spec.wait_ready = true;
    for (bool shares : {false, true}) {
      auto plan = policy::plan_readiness(spec, shares, true);
      CHECK(plan.signal == ReadySignal::kMessage);
      CHECK(plan.deadline == 3000ms);
      CHECK_FALSE(plan.deadline_means_ready);
    }
  }
  SECTION("a Node app on the shared socket: its listen(), within listen_timeout") {
    auto plan = policy::plan_readiness(spec, true, true);
    CHECK(plan.signal == ReadySignal::kListen);
    CHECK(plan.deadline == 3000ms);
    CHECK_FALSE(plan.deadline_means_ready);
  }
  SECTION("any other program on the shared socket: min_uptime alive is ready (READY=1 sooner)") {
    auto plan = policy::plan_readiness(spec, true, false);
    CHECK(plan.signal == ReadySignal::kUptime);
    CHECK(plan.deadline == 1000ms);
    CHECK(plan.deadline_means_ready);
  }
}

TEST_CASE("sd_notify messages are split into fields", "[readiness]") {
  auto f = parse_notify_message("READY=1\nSTATUS=serving 3 clients\nMAINPID=42\n");
  CHECK(f.at("READY") == "1");
  CHECK(f.at("STATUS") == "serving 3 clients");
  CHECK(f.at("MAINPID") == "42");
  CHECK(parse_notify_message("READY=1").at("READY") == "1");  // no trailing newline
  auto odd = parse_notify_message("garbage\n=x\nA=\n");
  CHECK(odd.size() == 1);
  CHECK(odd.at("A").empty());
}
