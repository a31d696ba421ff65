#include "more_commands.h"

#include "bounded_json.h"
#include "session.h"
#include "target_argument.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <thread>

namespace pmd::cli {

using nlohmann::json;

int run_reset(const std::string& target) {
  Session session(true);
  json result;
  if (int rc = session.call("reset", json{{"target", target_argument(target)}}, result); rc != kExitOk) return rc;
  for (const auto& v : result)
    std::cout << "reset the counters of " << v.value("name", "") << " (id " << v.value("id", 0) << ")\n";
  return show_list(session, false);
}

int run_send_signal(const std::string& signal, const std::string& target) {
  Session session(true);
  json result;
  if (int rc = session.call("signal", json{{"target", target_argument(target)}, {"signal", signal}}, result);
      rc != kExitOk)
    return rc;
  for (const auto& v : result)
    std::cout << "sent " << signal << " to " << v.value("name", "") << " (id " << v.value("id", 0) << ", pid "
              << json_text(v["pid"]) << ")\n";
  return kExitOk;
}

int run_env(const std::string& id) {
  Session session(true);
  json rows, specs;
  if (int rc = session.call("describe", json{{"target", id}}, rows); rc != kExitOk) return rc;
  if (int rc = session.call("spec", json{{"target", id}}, specs); rc != kExitOk) return rc;
  if (rows.empty() || specs.empty()) return kExitFailed;
  // What the launch gives the process: the starter's environment, the app's env on top, then
  // the instance variables (see process/launch_plan.cpp).
  std::map<std::string, std::string> env;
  for (const char* part : {"base_env", "env"}) {
    const json variables = specs[0].value(part, json::object());
    for (const auto& [k, v] : variables.items()) env[k] = v.is_string() ? v.get<std::string>() : v.dump();
  }
  const json& row = rows[0];
  env[specs[0].value("instance_var", std::string("NODE_APP_INSTANCE"))] = std::to_string(row.value("instance", 0));
  env["pm_id"] = std::to_string(row.value("id", 0));
  env["name"] = row.value("name", "");
  for (const auto& [k, v] : env) std::cout << k << ": " << v << "\n";
  return kExitOk;
}

const char* sample_ecosystem() {
  return R"(// The apps pmd runs: `pmctl start ecosystem.config.js` (PM2 reads this same file).
// Change what you need, then `pmctl start ecosystem.config.js` again: changed apps reload.
module.exports = {
  apps: [
    {
      name: "app",
      script: "./app.js",
      // args: ["--port", "3000"],
      // instances: "max",            // one per CPU; Node apps then run in cluster mode
      // max_memory_restart: "300M",  // replaced gracefully past this
      // watch: ["src"],              // restart (reload in cluster mode) when a file changes
      // cron_restart: "0 3 * * *",   // restart every day at 03:00
      env: {
        NODE_ENV: "development",
      },
      env_production: {               // pmctl start ecosystem.config.js --env production
        NODE_ENV: "production",
      },
    },
  ],
};
)";
}

int run_init() {
  const char* file = "ecosystem.config.js";
  // O_EXCL: an existing file (or a symlink planted there) is never overwritten.
  int fd = ::open(file, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    print_error(std::string("cannot write ") + file + " here: " +
                (errno == EEXIST ? "it exists already (edit it, or remove it first)" : std::strerror(errno)));
    return kExitFailed;
  }
  const std::string text = sample_ecosystem();
  const bool written = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  if (!written) {
    print_error(std::string("could not write ") + file);
    return kExitFailed;
  }
  std::cout << "wrote " << (std::filesystem::current_path() / file).string()
            << "; edit it, then `pmctl start ecosystem.config.js`\n";
  return kExitOk;
}

int run_update() {
  const HomePaths paths = home_paths(default_home());
  {
    auto connection = connect_to_daemon(paths, false);
    if (!connection.client) {
      if (!connection.no_daemon) {
        print_error(connection.error);
        return kExitNoDaemon;
      }
      std::cout << "no daemon is running for " << paths.home.string() << "; the next command starts " << pmd_binary()
                << "\n";
      return kExitOk;
    }
  }
  std::cout << "pmd cannot yet hand running apps to a new daemon without restarting them; this saves them, "
               "restarts the daemon on "
            << pmd_binary() << " and starts them again\n";
  {
    Session session(false);
    json result;
    if (int rc = session.call("save", json{{"force", true}}, result); rc != kExitOk) return rc;
    std::cout << "saved " << result["apps"].size() << " apps to " << result.value("path", "") << "\n";
    if (int rc = session.call("kill", json::object(), result); rc != kExitOk) return rc;
  }
  // The old daemon exits once its reply is written: wait until its socket stops answering.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (connect_to_daemon(paths, false).client) {
    if (std::chrono::steady_clock::now() > deadline) {
      print_error("the old daemon did not exit within 10 s; the apps are saved: `pmctl resurrect` later");
      return kExitFailed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  Session session(true);
  json result;
  if (int rc = session.call("resurrect", json::object(), result); rc != kExitOk) return rc;
  int failed = 0;
  for (const auto& row : result["apps"]) {
    if (row.value("action", "") == "failed") {
      ++failed;
      print_error(row.value("name", "") + ": " + row.value("error", ""));
    }
  }
  json version;
  if (int rc = session.call("version", json::object(), version); rc != kExitOk) return rc;
  std::cout << "pmd " << version.value("version", "?") << " (pid " << version.value("pid", 0) << ") runs "
            << result["apps"].size() - static_cast<std::size_t>(failed) << " apps again\n";
  int shown = show_list(session, false);
  return failed > 0 ? kExitFailed : shown;
}

}  // namespace pmd::cli
