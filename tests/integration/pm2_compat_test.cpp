// PM2's commands as scripts use them: jlist read by a Node script the way monitoring tools read
// it, pid and id, PM2's aliases, and the answer to an unknown command.
#include "daemon_fixture.h"

#include <catch2/catch.hpp>

#include <fstream>

using namespace pmd::test;

TEST_CASE("jlist is read by a Node script as pm2 jlist is, pid and id print as PM2's", "[pm2]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", "sleep", "--name", "api", "-i", "2", "--env-var", "NODE_ENV=production", "--", "1000"})
              .exit_code == 0);
  REQUIRE(d.pmctl({"start", "sleep", "--name", "off", "--", "1000"}).exit_code == 0);
  REQUIRE(d.pmctl({"stop", "off"}).exit_code == 0);
  auto jlist = d.pmctl({"jlist"});
  REQUIRE(jlist.exit_code == 0);
  // What monitoring scripts do with `pm2 jlist`.
  auto script = R"(
    const list = JSON.parse(require('fs').readFileSync(process.argv[1], 'utf8'));
    for (const p of list)
      console.log([p.name, p.pm_id, p.pm2_env.status, p.pm2_env.exec_mode, p.pm2_env.NODE_ENV,
                   typeof p.monit.memory, typeof p.monit.cpu, p.pid > 0].join(' '));)";
  const auto saved = d.home() / "jlist.json";
  std::ofstream(saved) << jlist.out;
  auto parsed = run_command({"/usr/bin/env", "node", "-e", script, saved.string()});
  REQUIRE(parsed.exit_code == 0);
  CHECK(parsed.out ==
        "api 0 online fork_mode production number number true\n"
        "api 1 online fork_mode production number number true\n"
        "off 2 stopped fork_mode  number number false\n");
  CHECK(d.pmctl({"prettylist"}).out.find("\n  {\n") != std::string::npos);

  auto pids = d.pmctl({"pid", "api"});
  CHECK(pids.exit_code == 0);
  const auto rows = d.list();
  CHECK(pids.out ==
        std::to_string(rows[0]["pid"].get<int>()) + "\n" + std::to_string(rows[1]["pid"].get<int>()) + "\n");
  CHECK(d.pmctl({"pid", "off"}).out.empty());
  CHECK(d.pmctl({"id", "api"}).out == "[ 0, 1 ]\n");
  CHECK(d.pmctl({"desc", "api"}).exit_code == 0);
  CHECK(d.pmctl({"gracefulReload", "api"}).exit_code == 0);
  CHECK(d.pmctl({"startOrRestart", "off"}).exit_code == 0);
  CHECK(d.wait_status("off", "online"));
}

TEST_CASE("an unknown command exits 2 and says what to type instead", "[pm2]") {
  auto run = [](std::vector<std::string> args) {
    args.insert(args.begin(), (bin_dir() / "pmctl").string());
    return run_command(args);
  };
  auto typo = run({"strat", "app.js"});
  CHECK(typo.exit_code == 2);
  CHECK(typo.err == "pmctl: error: unknown command 'strat' (did you mean 'start'?)\n");
  auto install = run({"install", "pm2-logrotate"});
  CHECK(install.exit_code == 2);
  CHECK_THAT(install.err, Catch::Contains("pmd has no module system"));
}
