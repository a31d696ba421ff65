// What PM2 users' scripts and tools read: jlist's shape, and the answer to PM2's commands pmd
// does not have.
#include "app_normalizer.h"
#include "pm2_process_list.h"
#include "unknown_command.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <set>
#include <string>
#include <vector>

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

namespace {

// The rows of the README table that follows `heading`: cells, trimmed.
std::vector<std::vector<std::string>> readme_table(const std::string& heading) {
  std::ifstream in(std::string(PMD_TEST_SOURCE_DIR) + "/README.md");
  std::vector<std::vector<std::string>> rows;
  bool inside = false, in_table = false;
  for (std::string line; std::getline(in, line);) {
    if (line == heading) {
      inside = true;
      continue;
    }
    if (!inside) continue;
    if (line.rfind("#", 0) == 0) break;
    if (line.rfind("|", 0) != 0) {
      if (in_table) break;
      continue;
    }
    in_table = true;
    if (line.rfind("| ---", 0) == 0) continue;
    std::vector<std::string> cells;
    std::string cell;
    for (std::size_t i = 1; i < line.size(); ++i) {
      if (line[i] == '|' && line[i - 1] != '\\') {
        auto b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
        cells.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
        cell.clear();
      } else {
        cell += line[i];
      }
    }
    rows.push_back(cells);
  }
  if (!rows.empty()) rows.erase(rows.begin());  // the header
  return rows;
}

// `pm2 start` -> "start"; "`uid` / `user`" -> {"uid", "user"}.
std::vector<std::string> code_words(const std::string& cell, const std::string& drop_prefix = "") {
  std::vector<std::string> out;
  for (std::size_t at = cell.find('`'); at != std::string::npos; at = cell.find('`', at + 1)) {
    auto end = cell.find('`', at + 1);
    if (end == std::string::npos) break;
    std::string word = cell.substr(at + 1, end - at - 1);
    if (!drop_prefix.empty() && word.rfind(drop_prefix, 0) == 0) word = word.substr(drop_prefix.size());
    out.push_back(word);
    at = end;
  }
  return out;
}

}  // namespace

TEST_CASE("the README's Coming from PM2 commands table is what pmctl does", "[pm2][readme]") {
  const auto rows = readme_table("### Commands");
  REQUIRE(rows.size() > 60);
  std::set<std::string> listed;
  int handled = 0, refused = 0;
  for (const auto& row : rows) {
    REQUIRE(row.size() == 3);
    const auto pm2 = code_words(row[0], "pm2 ");
    REQUIRE(pm2.size() == 1);
    INFO("pm2 " << pm2[0] << " -> " << row[1]);
    listed.insert(pm2[0]);
    if (row[1] == "—") {
      // Refused with exit 2 and a hint naming what to do.
      auto message = unknown_command_message(pm2[0]);
      REQUIRE(message);
      CHECK_THAT(*message, Catch::StartsWith("unknown command '" + pm2[0] + "': "));
      CHECK_FALSE(row[2].empty());
      ++refused;
    } else {
      const auto pmctl = code_words(row[1], "pmctl ");
      REQUIRE(pmctl.size() == 1);
      CHECK_FALSE(unknown_command_message(pmctl[0]));  // a command or an alias
      ++handled;
    }
  }
  // PM2's own list (`pm2 --help`, PM2 5.x): every command of it has a row.
  const std::vector<std::string> pm2_help = {"start",
                                             "trigger",
                                             "deploy",
                                             "startOrRestart",
                                             "startOrReload",
                                             "pid",
                                             "create",
                                             "startOrGracefulReload",
                                             "stop",
                                             "restart",
                                             "scale",
                                             "profile:mem",
                                             "profile:cpu",
                                             "reload",
                                             "id",
                                             "inspect",
                                             "delete",
                                             "sendSignal",
                                             "ping",
                                             "updatePM2",
                                             "update",
                                             "install",
                                             "module:install",
                                             "uninstall",
                                             "module:uninstall",
                                             "module:update",
                                             "module:generate",
                                             "package",
                                             "publish",
                                             "module:publish",
                                             "set",
                                             "multiset",
                                             "get",
                                             "conf",
                                             "config",
                                             "unset",
                                             "report",
                                             "link",
                                             "unlink",
                                             "monitor",
                                             "unmonitor",
                                             "open",
                                             "plus",
                                             "login",
                                             "logout",
                                             "dump",
                                             "save",
                                             "cleardump",
                                             "send",
                                             "attach",
                                             "resurrect",
                                             "unstartup",
                                             "startup",
                                             "logrotate",
                                             "ecosystem",
                                             "init",
                                             "reset",
                                             "describe",
                                             "env",
                                             "list",
                                             "jlist",
                                             "sysmonit",
                                             "slist",
                                             "prettylist",
                                             "monit",
                                             "imonit",
                                             "dashboard",
                                             "flush",
                                             "reloadLogs",
                                             "logs",
                                             "kill",
                                             "pull",
                                             "forward",
                                             "backward",
                                             "deepUpdate",
                                             "serve",
                                             "autoinstall",
                                             "examples"};
  for (const auto& command : pm2_help) {
    INFO("pm2 " << command);
    CHECK(listed.count(command) == 1);
  }
  // The figures the closing note quotes.
  WARN("PM2 commands in the table: " << rows.size() << ", handled by pmctl: " << handled
                                     << ", refused with a hint: " << refused);
}

TEST_CASE("the README's Coming from PM2 keys table is what the normalizer does", "[pm2][readme]") {
  const auto rows = readme_table("### Ecosystem keys");
  REQUIRE(rows.size() > 50);
  const auto& known = pmd::config::known_app_keys();
  const auto& ignored = pmd::config::ignored_app_keys();
  std::set<std::string> listed;
  for (const auto& row : rows) {
    REQUIRE(row.size() == 3);
    for (const auto& key : code_words(row[0])) {
      INFO(key << ": " << row[1]);
      listed.insert(key);
      if (key == "env_<name>") continue;
      if (row[1] == "ignored") {
        CHECK(std::count(ignored.begin(), ignored.end(), key) == 1);
      } else {
        CHECK(std::count(known.begin(), known.end(), key) == 1);
        CHECK(std::count(ignored.begin(), ignored.end(), key) == 0);
      }
    }
  }
  // Nothing the normalizer knows is missing from the table.
  for (const auto& key : pmd::config::acted_on_app_keys()) {
    INFO(key);
    if (key == "watch_follow_symlinks") continue;  // the wire name of watch_options.followSymlinks
    CHECK(listed.count(key) == 1);
  }
  for (const auto& key : ignored) {
    INFO(key);
    CHECK(listed.count(key) == 1);
  }
}
