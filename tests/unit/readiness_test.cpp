// Readiness policy and the sd_notify message parser.
#include "supervise/readiness.h"
#include "process/notify_socket.h"

#include <catch2/catch.hpp>

using namespace pmd;
using namespace std::chrono_literals;
using policy::ReadySignal;

TEST_CASE("what an instance must do to count as ready", "[readiness]") {
  using policy::ReadinessFacts;
  struct Row {
    const char* why;
    bool wait_ready;
    const char* ready_on;
    ReadinessFacts facts;  // shares_socket, node_preload, speaks_notify
    ReadySignal signal;
    std::chrono::milliseconds deadline;
    bool deadline_means_ready;
    bool uptime_if_not_listening;
  };
  const Row rows[] = {
      {"fork mode: online at once, as in PM2",
       false,
       "",
       {false, false, false},
       ReadySignal::kAtLaunch,
       0ms,
       false,
       false},
      {"wait_ready: true, fork", true, "", {false, false, false}, ReadySignal::kMessage, 3000ms, false, false},
      {"wait_ready: true, cluster Node", true, "", {true, true, false}, ReadySignal::kMessage, 3000ms, false, false},
      {"wait_ready: true wins over sd_notify",
       true,
       "",
       {true, false, true},
       ReadySignal::kMessage,
       3000ms,
       false,
       false},
      {"wait_ready: notify", false, "notify", {false, false, false}, ReadySignal::kNotify, 3000ms, false, false},
      {"wait_ready: message", false, "message", {true, false, false}, ReadySignal::kMessage, 3000ms, false, false},
      {"wait_ready: listen, Node", false, "listen", {true, true, false}, ReadySignal::kListen, 3000ms, false, false},
      {"wait_ready: listen without the preload falls back to uptime",
       false,
       "listen",
       {true, false, false},
       ReadySignal::kUptime,
       1000ms,
       true,
       false},
      {"wait_ready: uptime, even for a Node app",
       false,
       "uptime",
       {true, true, true},
       ReadySignal::kUptime,
       1000ms,
       true,
       false},
      {"an app that sent READY=1 before: only READY=1, never min_uptime",
       false,
       "",
       {true, false, true},
       ReadySignal::kNotify,
       3000ms,
       false,
       false},
      {"in fork mode too", false, "", {false, false, true}, ReadySignal::kNotify, 3000ms, false, false},
      {"cluster Node: listen(), or min_uptime once its code ran without listening",
       false,
       "",
       {true, true, false},
       ReadySignal::kListen,
       3000ms,
       false,
       true},
      {"cluster, any other program: min_uptime alive (READY=1 sooner)",
       false,
       "",
       {true, false, false},
       ReadySignal::kUptime,
       1000ms,
       true,
       false},
  };
  for (const Row& row : rows) {
    INFO(row.why);
    AppSpec spec;
    spec.listen_timeout = 3000ms;
    spec.min_uptime = 1000ms;
    spec.wait_ready = row.wait_ready;
    spec.ready_on = row.ready_on;
    auto plan = policy::plan_readiness(spec, row.facts);
    CHECK(plan.signal == row.signal);
    CHECK(plan.deadline == row.deadline);
    CHECK(plan.deadline_means_ready == row.deadline_means_ready);
    CHECK(plan.uptime_if_not_listening == row.uptime_if_not_listening);
    CHECK_FALSE(plan.rule.empty());
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
