// `pmctl start` as PM2 users type it: several scripts, -f, an ecosystem file on stdin, start of
// a running app, start flags on restart and reload, text scripts without an extension, and the
// small verbs scripts call (sendSignal, reset, env, list --sort, init, update).
#include "daemon_fixture.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>

#include <fstream>

using namespace pmd::test;

TEST_CASE("start takes several scripts, -f starts another copy, - reads an ecosystem file from stdin", "[pm2]") {
  Daemon d;
  TempDir dir;
  dir.write("a.js", "setInterval(() => {}, 1000)\n");
  dir.write("b.js", "setInterval(() => {}, 1000)\n");
  // A text file without extension or execute bit: node runs it, as PM2 does.
  dir.write("worker", "console.log('worker up:' + typeof require); setInterval(() => {}, 1000)\n");
  RunOptions here;
  here.cwd = dir.path.string();
  auto several = d.pmctl({"start", "a.js", "b.js", "worker"}, here);
  REQUIRE(several.exit_code == 0);
  CHECK(d.wait_status("a", "online"));
  CHECK(d.wait_status("b", "online"));
  CHECK(d.wait_status("worker", "online"));
  CHECK(d.describe("worker")["interpreter"] == "node");
  CHECK(wait_until(
      [&] { return read_file(d.home() / "logs" / "worker-out.log").find("worker up:function") != std::string::npos; }));

  // Already running: refused with what to do, unless -f.
  auto again = d.pmctl({"start", "a.js"}, here);
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.err, Catch::Contains("already exists") && Catch::Contains("-f"));
  auto forced = d.pmctl({"start", "-f", "a.js"}, here);
  CHECK(forced.exit_code == 0);
  CHECK(d.wait_status("a-1", "online"));
  CHECK(d.pmctl({"start", "a.js", "--force"}, here).exit_code == 0);
  CHECK(d.wait_status("a-2", "online"));

  const auto stdin_file = dir.write(
      "eco.json", R"({"apps": [{"name": "piped", "script": "b.js", "cwd": ")" + dir.path.string() + R"("}]})");
  RunOptions piped = here;
  piped.stdin_path = stdin_file.string();
  auto from_stdin = d.pmctl({"start", "-"}, piped);
  CHECK(from_stdin.exit_code == 0);
  CHECK(d.wait_status("piped", "online"));
  RunOptions broken = here;
  broken.stdin_path = dir.write("broken.json", "{\"apps\": [").string();
  auto bad = d.pmctl({"start", "-"}, broken);
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.err, Catch::Contains("<stdin>"));

  // Arguments after -- belong to start only.
  auto misplaced = d.pmctl({"restart", "a", "--", "x"});
  CHECK(misplaced.exit_code == 2);
  CHECK_THAT(misplaced.err, Catch::Contains("only `pmctl start` takes them"));
}

TEST_CASE("start of a running app restarts it, of a stopped one starts it without counting a restart", "[pm2]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", "sleep", "--name", "svc", "--", "1000"}).exit_code == 0);
  REQUIRE(d.wait_status("svc", "online"));
  const int first_pid = d.instance("svc")["pid"];
  REQUIRE(d.pmctl({"start", "svc"}).exit_code == 0);
  auto row = d.instance("svc");
  CHECK(row["status"] == "online");
  CHECK(row["pid"] != first_pid);
  CHECK(row["restarts"] == 1);

  REQUIRE(d.pmctl({"stop", "svc"}).exit_code == 0);
  REQUIRE(d.pmctl({"start", "svc"}).exit_code == 0);
  CHECK(d.wait_status("svc", "online"));
  CHECK(d.instance("svc")["restarts"] == 1);

  // reset: the counters back to zero.
  auto reset = d.pmctl({"reset", "svc"});
  CHECK(reset.exit_code == 0);
  CHECK_THAT(reset.out, Catch::Contains("reset the counters of svc"));
  CHECK(d.instance("svc")["restarts"] == 0);
  CHECK(d.pmctl({"reset", "nothing-here"}).exit_code == 1);
}

TEST_CASE("restart and reload take start flags and update the app's spec", "[pm2]") {
  Daemon d;
  TempDir dir;
  const std::string path = (dir.path / "web.sock").string();
  REQUIRE(d.pmctl({"start", fixture("http_server.js").string(), "--name", "web", "-i", "2", "--listen", path,
                   "--env-var", "SOCKET_PATH=" + path, "--listen-timeout", "30s"})
              .exit_code == 0);
  REQUIRE(d.wait_status("web", "online"));
  auto r = d.pmctl({"restart", "web", "--max-memory-restart", "300M", "--env-var", "GREETING=hi"});
  REQUIRE(r.exit_code == 0);
  auto v = d.describe("web");
  CHECK(v["settings"]["max_memory_restart"] == 300ull << 20);
  CHECK(v["env"]["GREETING"] == "hi");
  CHECK(v["mode"] == "cluster");
  CHECK(d.list().size() == 2);
  // The running processes have the new env.
  for (const auto& row : d.list()) {
    INFO("pid " << row["pid"]);
    CHECK(read_file("/proc/" + std::to_string(row["pid"].get<int>()) + "/environ")
              .find(std::string("GREETING=hi\0", 12)) != std::string::npos);
  }

  // --update-env with flags: this shell's environment too.
  RunOptions shell;
  shell.env["FROM_NEW_SHELL"] = "yes";
  REQUIRE(d.pmctl({"restart", "web", "--update-env", "--kill-timeout", "5s"}, shell).exit_code == 0);
  CHECK(read_file("/proc/" + std::to_string(d.list()[0]["pid"].get<int>()) + "/environ")
            .find(std::string("FROM_NEW_SHELL=yes\0", 19)) != std::string::npos);

  auto reload = d.pmctl({"reload", "web", "--node-args", "--max-old-space-size=200"});
  REQUIRE(reload.exit_code == 0);
  CHECK(d.describe("web")["interpreter_args"] == nlohmann::json::array({"--max-old-space-size=200"}));
  CHECK(d.describe("web")["env"]["GREETING"] == "hi");  // kept
  auto rename = d.pmctl({"restart", "web", "--name", "other"});
  CHECK(rename.exit_code == 1);
  CHECK_THAT(rename.err, Catch::Contains("cannot rename"));
}

TEST_CASE("sendSignal reaches the app's main process, env shows what it gets", "[pm2]") {
  Daemon d;
  TempDir dir;
  const auto marker = dir.path / "got-usr2";
  const auto script = dir.write(
      "trap.sh", "#!/bin/sh\ntrap 'echo usr2 > " + marker.string() + "' USR2\nwhile :; do sleep 0.05; done\n", 0755);
  REQUIRE(d.pmctl({"start", script.string(), "--name", "trap", "--env-var", "COLOUR=blue"}).exit_code == 0);
  REQUIRE(d.wait_status("trap", "online"));
  auto sent = d.pmctl({"sendSignal", "SIGUSR2", "trap"});
  CHECK(sent.exit_code == 0);
  CHECK_THAT(sent.out, Catch::Contains("sent SIGUSR2 to trap"));
  CHECK(wait_until([&] { return read_file(marker) == "usr2\n"; }));
  CHECK(d.instance("trap")["status"] == "online");
  CHECK(d.pmctl({"sendSignal", "NOPE", "trap"}).exit_code == 1);
  REQUIRE(d.pmctl({"stop", "trap"}).exit_code == 0);
  auto none = d.pmctl({"sendSignal", "SIGUSR2", "trap"});
  CHECK(none.exit_code == 1);
  CHECK_THAT(none.err, Catch::Contains("no process of 'trap' is running"));

  auto env = d.pmctl({"env", "0"});
  CHECK(env.exit_code == 0);
  CHECK_THAT(env.out, Catch::Contains("COLOUR: blue\n") && Catch::Contains("NODE_APP_INSTANCE: 0\n") &&
                          Catch::Contains("name: trap\n"));
}

TEST_CASE("list --sort, logs --raw and --format, init, and PM2 flags pmd lacks", "[pm2]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", "sleep", "--name", "zeta", "--", "1000"}).exit_code == 0);
  REQUIRE(d.pmctl({"start", "sleep", "--name", "alpha", "--", "1000"}).exit_code == 0);
  auto sorted = d.pmctl({"list", "--sort", "name", "--json"});
  REQUIRE(sorted.exit_code == 0);
  auto rows = nlohmann::json::parse(sorted.out);
  CHECK(rows[0]["name"] == "alpha");
  CHECK(rows[1]["name"] == "zeta");
  auto desc = nlohmann::json::parse(d.pmctl({"list", "--sort", "id:desc", "--json"}).out);
  CHECK(desc[0]["name"] == "alpha");
  CHECK(d.pmctl({"list", "--sort", "colour"}).exit_code == 2);

  TempDir dir;
  const auto talker = dir.write("talk.sh", "#!/bin/sh\necho 'hello world'\necho oops >&2\nexec sleep 1000\n", 0755);
  REQUIRE(d.pmctl({"start", talker.string(), "--name", "talk"}).exit_code == 0);
  REQUIRE(wait_until([&] {
    return d.pmctl({"logs", "talk", "--nostream", "--raw"}).out.find("oops") != std::string::npos;
  }));
  auto raw = d.pmctl({"logs", "talk", "--nostream", "--raw"});
  CHECK(raw.out == "hello world\noops\n");
  auto formatted = d.pmctl({"logs", "talk", "--nostream", "--format", "--err"});
  CHECK_THAT(formatted.out, Catch::Matches("app=talk id=2 type=err message=oops\n"));
  auto stamped = d.pmctl({"logs", "talk", "--nostream", "--raw", "--timestamp", "YYYY", "--out"});
  CHECK(stamped.out == "hello world\n");  // --raw wins, as in PM2
  auto stamped_prefix = d.pmctl({"logs", "talk", "--nostream", "--out", "--timestamp", "[year] YYYY"});
  CHECK_THAT(stamped_prefix.out, Catch::StartsWith("year 20"));

  RunOptions in_dir;
  in_dir.cwd = dir.path.string();
  auto init = d.pmctl({"init"}, in_dir);
  CHECK(init.exit_code == 0);
  CHECK(std::filesystem::exists(dir.path / "ecosystem.config.js"));
  CHECK(d.pmctl({"ecosystem"}, in_dir).exit_code == 1);  // never over an existing file
  dir.write("app.js", "setInterval(() => {}, 1000)\n");
  auto config = d.pmctl({"config", "ecosystem.config.js", "--env", "production"}, in_dir);
  CHECK(config.exit_code == 0);
  CHECK_THAT(config.out, Catch::Contains("NODE_ENV") && Catch::Contains("production"));

  // -x is PM2's fork mode; startup takes --service-name and --hp; other init systems are refused.
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "forked", "-x", "-i", "2"}).exit_code == 0);
  CHECK(d.describe("forked")["mode"] == "fork");
  auto unit = d.pmctl({"startup", "--print", "--service-name", "apps", "--hp", "/srv/web"});
  CHECK(unit.exit_code == 0);
  CHECK_THAT(unit.out, Catch::Contains("Environment=PMD_HOME=/srv/web/.pmd") && Catch::Contains("apps.service"));
  auto upstart = d.pmctl({"startup", "upstart"});
  CHECK(upstart.exit_code == 1);
  CHECK_THAT(upstart.err, Catch::Contains("pmd targets systemd"));
  auto ext = d.pmctl({"start", talker.string(), "--watch", "--ext", "js"});
  CHECK(ext.exit_code == 2);
  CHECK_THAT(ext.err, Catch::Contains("not supported by pmd yet: --ext"));

  auto attach = d.pmctl({"start", talker.string(), "--attach"});
  CHECK(attach.exit_code == 2);
  CHECK_THAT(attach.err, Catch::StartsWith("pmctl: error: not supported by pmd yet: --attach ("));
  auto pmx = d.pmctl({"start", "sleep", "--name", "quiet", "--no-vizion", "--no-pmx", "--", "1000"});
  CHECK(pmx.exit_code == 0);
  auto silent = d.pmctl({"stop", "quiet", "-s"});
  CHECK(silent.exit_code == 0);
  CHECK(silent.out.empty());
}

TEST_CASE("update upgrades the daemon in place: running apps keep their pids, stopped ones stay stopped", "[pm2]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", "sleep", "--name", "kept", "--", "1000"}).exit_code == 0);
  REQUIRE(d.pmctl({"start", "sleep", "--name", "parked", "--", "1000"}).exit_code == 0);
  REQUIRE(d.pmctl({"stop", "parked"}).exit_code == 0);
  const int kept_pid = d.instance("kept").value("pid", 0);
  auto update = d.pmctl({"update"});
  INFO(update.out << update.err);
  REQUIRE(update.exit_code == 0);
  CHECK_THAT(update.out, Catch::Contains("adopted 2 app(s), 1 process(es) still running (upgrade)"));
  CHECK(d.instance("kept")["status"] == "online");
  CHECK(d.instance("kept").value("pid", 0) == kept_pid);
  CHECK(d.instance("kept").value("restarts", -1) == 0);
  CHECK(d.instance("parked")["status"] == "stopped");
  // The same daemon process, exec'd again.
  auto version = d.pmctl({"version"});
  CHECK_THAT(version.out, Catch::Contains("(pid " + std::to_string(d.pid()) + ")"));
}
