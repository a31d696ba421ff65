// What PM2 users' scripts and tools read: jlist's shape, and the answer to PM2's commands pmd
// does not have.
#include "pm2_process_list.h"
#include "unknown_command.h"

#include <catch2/catch.hpp>

using nlohmann::json;
using namespace pmd::cli;

TEST_CASE("jlist maps describe rows to PM2's shape", "[pm2]") {
  const json rows = json::parse(R"([{
    "id": 3, "name": "api", "instance": 1, "mode": "cluster", "pid": 4242, "status": "online",
    "restarts": 2, "unstable_restarts": 1, "memory": 52428800, "cpu": 1.5,
    "created_at": 1764300000000, "started_at": 1764300005000,
    "script": "/srv/api/server.js", "args": ["--port", "8080"], "interpreter": "/usr/bin/node",
    "interpreter_args": ["--max-old-space-size=256"], "cwd": "/srv/api",
    "out_file": "/root/.pmd/logs/api-out.log", "error_file": "/root/.pmd/logs/api-error.log",
    "env": {"NODE_ENV": "production", "status": "not PM2's"},
    "settings": {"namespace": "billing", "instances": 4, "log_file": null, "autorestart": true,
                 "max_memory_restart": 314572800, "kill_timeout": 1600}
  }, {"id": 4, "name": "tool", "instance": 0, "mode": "fork", "pid": null, "status": "stopped",
      "interpreter": "none", "settings": {}}])");
  const json list = pm2_process_list(rows);
  REQUIRE(list.size() == 2);
  const json& p = list[0];
  CHECK(p["pid"] == 4242);
  CHECK(p["name"] == "api");
  CHECK(p["pm_id"] == 3);
  CHECK(p["monit"]["memory"] == 52428800);
  CHECK(p["monit"]["cpu"] == 1.5);
  const json& e = p["pm2_env"];
  CHECK(e["status"] == "online");
  CHECK(e["restart_time"] == 2);
  CHECK(e["unstable_restarts"] == 1);
  CHECK(e["pm_uptime"] == 1764300005000);
  CHECK(e["created_at"] == 1764300000000);
  CHECK(e["exec_mode"] == "cluster_mode");
  CHECK(e["instances"] == 4);
  CHECK(e["NODE_APP_INSTANCE"] == 1);
  CHECK(e["pm_exec_path"] == "/srv/api/server.js");
  CHECK(e["pm_cwd"] == "/srv/api");
  CHECK(e["exec_interpreter"] == "node");
  CHECK(e["node_args"] == json::array({"--max-old-space-size=256"}));
  CHECK(e["args"] == json::array({"--port", "8080"}));
  CHECK(e["pm_out_log_path"] == "/root/.pmd/logs/api-out.log");
  CHECK(e["pm_err_log_path"] == "/root/.pmd/logs/api-error.log");
  CHECK(e["namespace"] == "billing");
  CHECK(e["env"]["NODE_ENV"] == "production");
  CHECK(e["NODE_ENV"] == "production");  // spread over pm2_env, as PM2 does
  CHECK(e["status"] == "online");        // PM2's own fields win over the app's env
  CHECK(list[1]["pid"] == 0);            // PM2 shows 0 for a process that is not running
  CHECK(list[1]["pm2_env"]["exec_mode"] == "fork_mode");
  CHECK(list[1]["pm2_env"]["exec_interpreter"] == "none");
}

TEST_CASE("an unknown command says so, and PM2's commands say what to type instead", "[pm2]") {
  CHECK_FALSE(unknown_command_message("start"));
  CHECK_FALSE(unknown_command_message("jlist"));
  CHECK_FALSE(unknown_command_message("desc"));
  CHECK_FALSE(unknown_command_message("startOrRestart"));
  CHECK_FALSE(unknown_command_message("gracefulReload"));
  CHECK(unknown_command_message("strat") == "unknown command 'strat' (did you mean 'start'?)");
  CHECK(unknown_command_message("frobnicate") == "unknown command 'frobnicate' (see `pmctl --help`)");
  CHECK_THAT(*unknown_command_message("install"),
             Catch::StartsWith("unknown command 'install': pmd has no module system"));
  CHECK_FALSE(unknown_command_message("update"));
  CHECK_FALSE(unknown_command_message("sendSignal"));
  CHECK_FALSE(unknown_command_message("ecosystem"));
  CHECK_THAT(*unknown_command_message("deploy"), Catch::Contains("pmd does not deploy"));
  CHECK_THAT(*unknown_command_message("dash"), Catch::Contains("pmctl monit"));
}
