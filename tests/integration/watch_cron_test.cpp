// watch and cron_restart against a real daemon: a changed file restarts a fork app and reloads a
// cluster app under load without a failed request, ignored paths restart nothing, a tree too
// large to watch is refused up front, and a cron firing a few seconds ahead fires exactly once.
#include "daemon_fixture.h"
#include "http_client.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>

using namespace pmd::test;
using nlohmann::json;

namespace {

int restarts_of(const Daemon& d, const std::string& name) { return d.instance(name).value("restarts", -1); }

}  // namespace

TEST_CASE("watch restarts a fork app on a change, and not for ignored paths", "[watch]") {
  Daemon d;
  TempDir dir;
  dir.write("app.js", "setInterval(() => {}, 1000)\n");
  std::filesystem::create_directories(dir.path / "src");
  std::filesystem::create_directories(dir.path / "node_modules" / "dep");
  std::filesystem::create_directories(dir.path / "logs");
  RunOptions here;
  here.cwd = dir.path.string();
  // Its own log inside the watched tree must not restart it forever.
  REQUIRE(
      d.pmctl({"start", "app.js", "--watch", "--ignore-watch", "logs *.tmp", "--output", "app.log"}, here).exit_code ==
      0);
  REQUIRE(d.wait_status("app", "online"));
  auto v = d.describe("app");
  REQUIRE(v["watching"].is_object());
  CHECK(v["watching"]["paths"] == json::array({dir.path.string()}));
  CHECK(v["watching"]["directories"] == 2);  // the root and src: node_modules and logs are not watched
  const int first_pid = d.instance("app")["pid"];

  // Ignored: node_modules, an ignore_watch name and glob, and the app's own log.
  dir.write("node_modules/dep/index.js", "changed\n");
  dir.write("logs/today.txt", "changed\n");
  dir.write("scratch.tmp", "changed\n");
  // Then a real change: the one restart names it.
  dir.write("src/routes.js", "module.exports = 1\n");
  REQUIRE(wait_until([&] { return restarts_of(d, "app") == 1; }));
  REQUIRE(d.wait_status("app", "online"));
  CHECK(d.instance("app")["pid"] != first_pid);
  CHECK_THAT(d.describe("app")["last_trigger"].get<std::string>(),
             Catch::StartsWith("file changed: " + (dir.path / "src" / "routes.js").string()));
  CHECK_THAT(read_file(dir.path / "app.log"), Catch::Contains("[pmd] file changed: " + (dir.path / "src").string()));

  // A directory made after the start is watched too.
  std::filesystem::create_directories(dir.path / "src" / "later");
  REQUIRE(wait_until([&] { return restarts_of(d, "app") == 2; }));
  REQUIRE(wait_until([&] { return d.describe("app")["watching"]["directories"] == 3; }));
  dir.write("src/later/new.js", "1\n");
  REQUIRE(wait_until([&] { return restarts_of(d, "app") == 3; }));

  // stop --watch: stopped, and changes no longer start it.
  auto stop = d.pmctl({"stop", "app", "--watch"});
  CHECK(stop.exit_code == 0);
  CHECK_THAT(stop.out, Catch::Contains("stopped watching app"));
  CHECK(d.describe("app")["watching"].is_null());
  // restart --watch turns it back on (PM2's toggle).
  REQUIRE(d.pmctl({"restart", "app", "--watch"}, here).exit_code == 0);
  CHECK(d.describe("app")["watching"].is_object());
}

TEST_CASE("watch reloads a cluster app under load without one failed request", "[watch][cluster][node]") {
  Daemon d;
  TempDir dir;
  std::filesystem::copy_file(fixture("http_server.js"), dir.path / "server.js");
  const int port = free_port();
  RunOptions env;
  env.cwd = dir.path.string();
  env.env["PORT"] = std::to_string(port);
  auto r = d.pmctl({"start", "server.js", "--name", "web", "-i", "2", "--watch", "--listen-timeout", "30s"}, env);
  INFO(r.out << r.err << d.log_tail());
  REQUIRE(r.exit_code == 0);
  const auto before = pids_of(d, "web");
  REQUIRE(before.size() == 2);
  HttpLoad load(port, 4);
  REQUIRE(wait_until([&] { return load.snapshot().ok > 100; }, 30s));
  dir.write("version.txt", "2\n");  // a deploy: git pull drops new files in
  REQUIRE(wait_until(
      [&] {
        auto now = pids_of(d, "web");
        for (int pid : now)
          if (before.count(pid)) return false;
        return now.size() == 2;
      },
      60s));
  const auto answered = load.snapshot().ok;
  REQUIRE(wait_until([&] { return load.snapshot().ok > answered + 100; }, 30s));
  auto report = load.stop();
  INFO(report.ok << " ok, " << report.failed << " failed");
  CHECK(report.failed == 0);
  CHECK(report.resent == 0);
  CHECK_THAT(d.describe("web")["last_trigger"].get<std::string>(), Catch::Contains("version.txt"));
}

TEST_CASE("a tree too large to watch is refused before anything starts", "[watch]") {
  Daemon d;
  TempDir dir;
  dir.write("app.js", "setInterval(() => {}, 1000)\n");
  for (int i = 0; i < 12; ++i) std::filesystem::create_directories(dir.path / ("d" + std::to_string(i)));
  RunOptions here;
  here.cwd = dir.path.string();
  // The daemon reads PMD_MAX_WATCHES when it starts: a fresh one with the bound set.
  ::setenv("PMD_MAX_WATCHES", "8", 1);
  d.restart();
  ::unsetenv("PMD_MAX_WATCHES");
  auto r = d.pmctl({"start", "app.js", "--watch"}, here);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err,
             Catch::Contains("needs more than 8 inotify watches") && Catch::Contains("fs.inotify.max_user_watches"));
  CHECK(d.list().empty());
  // Narrowed by ignore_watch, it fits.
  auto narrowed = d.pmctl({"start", "app.js", "--watch", "--ignore-watch", "d*"}, here);
  CHECK(narrowed.exit_code == 0);
  // A tree that grows past the bound later is reported, not watched in part silently.
  for (int i = 0; i < 10; ++i) std::filesystem::create_directories(dir.path / ("e" + std::to_string(i)));
  REQUIRE(wait_until([&] { return d.describe("app")["watching"]["problem"].is_string(); }));
  CHECK_THAT(d.describe("app")["watching"]["problem"].get<std::string>(),
             Catch::Contains("needs more than 8 inotify watches") && Catch::Contains("no longer all watched"));
  CHECK_THAT(d.pmctl({"describe", "app"}).out, Catch::Contains("no longer all watched"));
}

TEST_CASE("cron_restart fires once at its time, and runs a periodic job that exits", "[cron]") {
  Daemon d;
  TempDir dir;
  const auto job = dir.write("job.sh", "#!/bin/sh\necho ran\n", 0755);
  // A firing a few seconds ahead, as a six-field expression in local time. On a machine so busy
  // that the apps were not registered before that second, the time is chosen again.
  std::time_t at = 0;
  std::string when;
  for (int attempt = 0; attempt < 5; ++attempt) {
    at = std::time(nullptr) + 4;
    std::tm tm{};
    ::localtime_r(&at, &tm);
    when = std::to_string(tm.tm_sec) + " " + std::to_string(tm.tm_min) + " " + std::to_string(tm.tm_hour) + " * * *";
    REQUIRE(d.pmctl({"start", "sleep", "--name", "svc", "--cron-restart", when, "--", "1000"}).exit_code == 0);
    REQUIRE(d.pmctl({"start", job.string(), "--name", "job", "--cron", when, "--no-autorestart"}).exit_code == 0);
    const long long armed = static_cast<long long>(at) * 1000;
    if (d.describe("svc")["cron_next_ms"] == armed && d.describe("job")["cron_next_ms"] == armed &&
        std::time(nullptr) < at)
      break;
    REQUIRE(d.pmctl({"delete", "all"}).exit_code == 0);
    std::filesystem::remove(d.home() / "logs" / "job-out.log");
    at = 0;
  }
  REQUIRE(at != 0);
  const int first_pid = d.instance("svc")["pid"];
  REQUIRE(wait_until([&] { return restarts_of(d, "svc") == 1; }, 20s));
  REQUIRE(d.wait_status("svc", "online"));
  CHECK(d.instance("svc")["pid"] != first_pid);
  CHECK(d.describe("svc")["last_trigger"] == "cron_restart (" + when + ")");
  // Once: the next firing is the same time tomorrow.
  const long long next = d.describe("svc")["cron_next_ms"];
  CHECK(next >= (static_cast<long long>(at) + 86400 - 3600) * 1000);  // allowing for a DST change

  // The periodic job ran at start and again at the firing, and was left alone after it exited.
  REQUIRE(wait_until(
      [&] { return read_file(d.home() / "logs" / "job-out.log") == "ran\n[pmd] cron_restart (" + when + ")\nran\n"; },
      20s));
  CHECK(d.wait_status("job", "stopped"));
  CHECK(d.pmctl({"start", "sleep", "--cron", "61 * * * *", "--", "1"}).exit_code == 1);
}
