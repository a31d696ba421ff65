// Ecosystem files end to end: a YAML and a JS file with two apps each, --only, --env, and
// re-`start` after editing the file (PM2's startOrReload): no duplicates, the changed app gets
// its new env, the unchanged one keeps its pid.
#include "daemon_fixture.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

using namespace pmd::test;
using nlohmann::json;

namespace {

std::vector<json> reports(const Daemon& d, const std::string& name) { return json_reports(d, name); }

void write(const std::filesystem::path& path, const std::string& text) { std::ofstream(path) << text; }

std::string yaml_file(const std::string& front_greeting) {
  const std::string hello = fixture("hello.js").string();
  return "apps:\n"
         "  - name: front\n"
         "    script: " +
         hello +
         "\n"
         "    env:\n"
         "      GREETING: " +
         front_greeting +
         "\n"
         "    env_production:\n"
         "      PORT: 8443\n"
         "  - name: back\n"
         "    script: " +
         hello +
         "\n"
         "    args: --mode 'back end'\n"
         "    env:\n"
         "      GREETING: back\n";
}

std::string js_file(const std::string& front_greeting) {
  return "const path = require('path');\n"
         "module.exports = {\n"
         "  apps: [\n"
         "    { name: 'front', script: " +
         json(fixture("hello.js").string()).dump() +
         ",\n"
         "      env: { GREETING: '" +
         front_greeting +
         "' }, env_production: { PORT: 8443 } },\n"
         "    { name: 'back', script: path.join(" +
         json(fixture("").string()).dump() +
         ", 'hello.js'),\n"
         "      args: ['--mode', 'back end'], env: { GREETING: 'back' } },\n"
         "  ],\n"
         "};\n";
}

}  // namespace

TEST_CASE("ecosystem files start, filter, select env and reload only what changed", "[ecosystem]") {
  for (const std::string& kind : std::vector<std::string>{"yaml", "js"}) {
    DYNAMIC_SECTION(kind) {
      Daemon d;
      auto file = d.home() / (kind == "yaml" ? "process.yml" : "ecosystem.config.js");
      auto make = [&](const std::string& greeting) { return kind == "yaml" ? yaml_file(greeting) : js_file(greeting); };
      write(file, make("hello"));

      // --only: just one of the two apps.
      auto only = d.pmctl({"start", file.string(), "--only", "back"});
      REQUIRE(only.exit_code == 0);
      CHECK(d.list().size() == 1);
      REQUIRE(wait_until([&] { return reports(d, "back").size() == 1; }));
      CHECK(reports(d, "back")[0]["argv"] == json::array({"--mode", "back end"}));

      // Everything, with --env production: front gets env_production merged over env.
      auto all = d.pmctl({"start", file.string(), "--env", "production"});
      REQUIRE(all.exit_code == 0);
      CHECK_THAT(all.out, Catch::Contains("started front") && Catch::Contains("unchanged back"));
      CHECK(d.list().size() == 2);
      REQUIRE(wait_until([&] { return reports(d, "front").size() == 1; }));
      CHECK(reports(d, "front")[0]["PORT"] == "8443");
      CHECK(reports(d, "front")[0]["GREETING"] == "hello");

      // Edit the file: only front changes. Re-start reloads it and leaves back alone.
      pid_t back_pid = d.instance("back")["pid"].get<pid_t>();
      pid_t front_pid = d.instance("front")["pid"].get<pid_t>();
      write(file, make("edited"));
      auto again = d.pmctl({"start", file.string(), "--env", "production"});
      REQUIRE(again.exit_code == 0);
      CHECK_THAT(again.out, Catch::Contains("reloaded front") && Catch::Contains("unchanged back"));
      CHECK(d.list().size() == 2);
      CHECK(d.instance("back")["pid"] == back_pid);
      CHECK(d.instance("front")["pid"] != front_pid);
      REQUIRE(wait_until([&] { return reports(d, "front").size() == 2; }));
      CHECK(reports(d, "front")[1]["GREETING"] == "edited");

      // Verbs on the file act on its apps.
      CHECK(d.pmctl({"stop", file.string()}).exit_code == 0);
      CHECK(d.instance("front")["status"] == "stopped");
      CHECK(d.instance("back")["status"] == "stopped");
      CHECK(d.pmctl({"delete", file.string()}).exit_code == 0);
      CHECK(d.list().empty());
    }
  }
}

TEST_CASE("a broken ecosystem file starts nothing and says where it is wrong", "[ecosystem]") {
  Daemon d;
  auto file = d.home() / "process.yml";
  write(file, "apps:\n  - name: api\n    script: " + fixture("hello.js").string() +
                  "\n    instaces: 2\n    max_memory_restart: 1,5G\n");
  auto r = d.pmctl({"start", file.string()});
  CHECK(r.exit_code == 1);
  // A typo'd key is a warning (PM2 would run the file); the bad size is the error.
  CHECK_THAT(r.err, Catch::Contains("warning: " + file.string() +
                                    ":4:5: app 0 (api): instaces: unknown key, ignored; did you mean `instances`?"));
  CHECK_THAT(r.err, Catch::Contains("process.yml:5:25: app 0 (api): max_memory_restart: \"1,5G\" is not a size"));
  CHECK_THAT(r.err, Catch::Contains("1 error in"));
  CHECK(d.list().empty());

  // --strict (for CI) makes the warning an error too.
  auto config = d.pmctl({"config", file.string(), "--json", "--strict"});
  CHECK(config.exit_code == 1);
  auto errors = json::parse(config.out)["errors"];
  REQUIRE(errors.size() == 2);
  CHECK(errors[1] == json{{"file", file.string()},
                          {"line", 4},
                          {"column", 5},
                          {"app_index", 0},
                          {"key", "instaces"},
                          {"kind", "strict"},
                          {"message", "unknown key, ignored; did you mean `instances`?"}});

  // Fixed size, typo left: it starts with a warning, unless --strict.
  write(file, "apps:\n  - name: api\n    script: " + fixture("hello.js").string() + "\n    instaces: 2\n");
  auto strict = d.pmctl({"start", file.string(), "--strict"});
  CHECK(strict.exit_code == 1);
  CHECK(d.list().empty());
  auto lenient = d.pmctl({"start", file.string()});
  CHECK(lenient.exit_code == 0);
  CHECK_THAT(lenient.err, Catch::Contains("did you mean `instances`?"));
  CHECK(d.wait_status("api", "online"));
}

TEST_CASE("pmctl config shows the normalized apps and starts nothing", "[ecosystem]") {
  Daemon d;
  auto file = d.home() / "pm2.json";
  write(file,
        "// PM2 reads JSON as JavaScript\n{apps: [{name: 'api', script: " + json(fixture("hello.js").string()).dump() +
            ", instances: 2, max_memory_restart: '300M', min_uptime: '10s', env: {PORT: 3000},}]}\n");
  auto r = d.pmctl({"config", file.string(), "--json"});
  REQUIRE(r.exit_code == 0);
  auto app = json::parse(r.out)["apps"].at(0);
  CHECK(app["name"] == "api");
  CHECK(app["instances"] == 2);
  CHECK(app["exec_mode"] == "cluster");
  CHECK(app["max_memory_restart"] == 300 * 1024 * 1024);
  CHECK(app["min_uptime"] == 10000);
  CHECK(app["env"]["PORT"] == "3000");
  CHECK(app["interpreter"] == "node");
  auto text = d.pmctl({"config", file.string()});
  CHECK(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("1 app, valid"));
  CHECK(d.list().empty());
}

TEST_CASE("hostile ecosystem files get a positioned error from pmctl, never an abort", "[ecosystem][hostile]") {
  // Each of these aborted `pmctl config --json` (SIGABRT) or was started by `pmctl start`.
  Daemon d;
  const std::filesystem::path hostile =
      std::filesystem::path(PMD_TEST_SOURCE_DIR) / "tests/unit/ecosystem_corpus/hostile";
  for (const char* name : {"invalid-utf8.yml", "huge-number.json", "alias-bomb.yml", "deep.json"}) {
    const std::string file = (hostile / name).string();
    INFO(name);
    auto config = d.pmctl({"config", file, "--json"});
    CHECK(config.exit_code == 1);
    auto errors = json::parse(config.out, nullptr, false)["errors"];
    REQUIRE(errors.is_array());
    REQUIRE_FALSE(errors.empty());
    CHECK(errors[0]["line"].get<int>() > 0);
    auto start = d.pmctl({"start", file});
    CHECK(start.exit_code == 1);
    CHECK_THAT(start.err, Catch::Contains(std::string(name) + ":"));
  }
  CHECK(d.list().empty());
  // -i far past the CPUs is refused unless --force, naming the bound.
  auto many = d.pmctl({"start", "/bin/sleep", "-i", "100000", "--", "60"});
  CHECK(many.exit_code == 1);
  CHECK_THAT(many.err, Catch::Contains("at most 4096"));
  auto more = d.pmctl({"start", "/bin/sleep", "-i", "1025", "--", "60"});
  CHECK(more.exit_code == 1);
  CHECK_THAT(more.err, Catch::Contains("--force"));
  CHECK(d.list().empty());
}

TEST_CASE("PM2's file forms: a pm2 key, cmd, pid files, autostart, append_env_to_name, deploy env",
          "[ecosystem][pm2]") {
  Daemon d;
  TempDir dir;
  dir.write("api.js", "setInterval(() => {}, 1000)\n");
  const auto file = dir.write("process.json", R"({
  "pm2": [
    {"name": "api", "cmd": "api.js", "append_env_to_name": true, "pid_file": "run/api.pid",
     "env": {"MODE": "base"}, "env_production": {"MODE": "prod"}},
    {"name": "later", "script": "sleep", "args": ["1000"], "autostart": false, "disable_logs": true}
  ],
  "deploy": {"production": {"user": "node", "host": "example.com", "env": {"DEPLOYED": "yes", "MODE": "deploy"}}}
})");
  auto r = d.pmctl({"start", file.string(), "--env", "production"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.err, Catch::Contains("pmd does not deploy"));
  REQUIRE(d.wait_status("api-production", "online"));
  auto api = d.describe("api-production");
  CHECK(api["env"]["MODE"] == "prod");     // env_production wins over deploy.production.env
  CHECK(api["env"]["DEPLOYED"] == "yes");  // deploy.production.env applies with --env production
  // The pid file, as PM2 names it per instance, removed when the app stops.
  const auto pid_file = dir.path / "run" / "api-0.pid";
  CHECK(read_file(pid_file) == std::to_string(api["pid"].get<int>()) + "\n");
  auto later = d.describe("later");
  CHECK(later["status"] == "stopped");  // autostart: false
  CHECK(later["out_file"] == "/dev/null");
  REQUIRE(d.pmctl({"start", "later"}).exit_code == 0);
  CHECK(d.wait_status("later", "online"));
  // The default pid files live in PMD_HOME/pids.
  CHECK(std::filesystem::exists(d.home() / "pids" / ("later-" + std::to_string(later["id"].get<int>()) + ".pid")));
  REQUIRE(d.pmctl({"stop", "api-production"}).exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(pid_file));
}
