#include "more_commands.h"

#include "bounded_json.h"
#include "session.h"
#include "target_argument.h"
#include "write_fully.h"

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
  json instances;
  if (int rc = session.call("env", json{{"target", target_argument(id)}}, instances); rc != kExitOk) return rc;
  if (instances.empty()) return kExitFailed;
  const json env = instances[0].value("env", json::object());  // a named copy: items() must outlive the loop
  for (const auto& [k, v] : env.items()) std::cout << k << ": " << v.get<std::string>() << "\n";
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
  const bool written = write_fully(fd, text) == text.size();
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
  json before;
  {
    Session session(false);
    if (int rc = session.call("version", json::object(), before); rc != kExitOk) return rc;
    // The daemon tries the binary, hands every app to its fd holder and execs it in the same
    // process: no app restarts, the pids stay.
    json result;
    if (int rc = session.call("update", json{{"binary", pmd_binary()}}, result); rc != kExitOk) return rc;
  }
  // The new image answers once it has adopted everything; clients wait in the socket's backlog.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  for (;;) {
    json now;
    Session session(false);
    if (session.call_quietly("version", json::object(), now) == kExitOk &&
        now.value("image_started_ms", 0LL) != before.value("image_started_ms", 0LL)) {
      std::cout << "pmd " << before.value("version", "?") << " -> " << now.value("version", "?") << " in place (pid "
                << now.value("pid", 0) << "); adopted " << now.value("adopted", std::string("nothing")) << "\n";
      return show_list(session, false);
    }
    if (std::chrono::steady_clock::now() > deadline) {
      print_error("the daemon did not come back within 30 s; see " + paths.daemon_log.string());
      return kExitFailed;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

int resurrect_and_report(Session& session) {
  json result;
  if (int r = session.call("resurrect", json::object(), result); r != kExitOk) return r;
  for (const auto& w : result.value("warnings", json::array())) print_warning(w.get<std::string>());
  int failed = 0;
  for (const auto& row : result["apps"]) {
    std::string action_taken = row.value("action", "");
    if (action_taken == "failed") {
      ++failed;
      print_error(row.value("name", "") + ": " + row.value("error", ""));
    } else {
      std::cout << action_taken << " " << row.value("name", "") << "\n";
    }
  }
  if (result["apps"].empty()) std::cout << "the dump " << result.value("path", "") << " holds no apps\n";
  int shown = show_list(session, false);
  return failed > 0 ? kExitFailed : shown;
}

}  // namespace pmd::cli
