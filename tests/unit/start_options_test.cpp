// `pmctl start` flags to a spec: the inference and every refusal, against real files in a temp dir.
#include "start_options.h"

#include "executable_lookup.h"

#include "temp_dir.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace fs = std::filesystem;
using pmd::config::Starter;
using pmd::config::StartOptions;

namespace {

using pmd::test::TempDir;

Starter starter_in(const fs::path& cwd) {
  return Starter{{{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"HOME", "/root"}}, cwd};
}

std::string error_of(const StartOptions& o, const Starter& s) {
  auto r = pmd::config::spec_from_start_options(o, s);
  auto* e = std::get_if<std::string>(&r);
  return e ? *e : "";
}

}  // namespace

TEST_CASE("a shell script gets bash, an absolute path and its file name as name", "[start]") {
  TempDir dir;
  dir.write("worker.sh", "echo hi\n", 0644);
  StartOptions o;
  o.script = "worker.sh";
  o.args = {"--fast"};
  auto r = pmd::config::spec_from_start_options(o, starter_in(dir.path));
  REQUIRE(std::holds_alternative<pmd::AppSpec>(r));
  auto& spec = std::get<pmd::AppSpec>(r);
  CHECK(spec.name == "worker");
  CHECK(spec.interpreter == "bash");
  CHECK(spec.script == (dir.path / "worker.sh").string());
  CHECK(spec.cwd == dir.path.string());
  CHECK(spec.args == std::vector<std::string>{"--fast"});
  CHECK(spec.base_env.at("HOME") == "/root");
}

TEST_CASE("flags land in the spec", "[start]") {
  TempDir dir;
  dir.write("api", "#!/bin/sh\n", 0755);
  StartOptions o;
  o.script = "./api";
  o.values["name"] = "web";
  o.env_vars = {"PORT=8080", "EMPTY="};
  o.values["max_restarts"] = "3";
  o.values["min_uptime"] = "2s";
  o.values["kill_timeout"] = "500";
  o.values["kill_signal"] = "SIGTERM";
  o.values["max_memory_restart"] = "300M";
  o.values["instances"] = "2";
  o.lists["stop_exit_codes"] = {"0", "2"};
  o.switches["autorestart"] = false;
  auto r = pmd::config::spec_from_start_options(o, starter_in(dir.path));
  REQUIRE(std::holds_alternative<pmd::AppSpec>(r));
  auto& spec = std::get<pmd::AppSpec>(r);
  CHECK(spec.name == "web");
  CHECK(spec.interpreter.empty());
  CHECK(spec.env.at("PORT") == "8080");
  CHECK(spec.env.at("EMPTY").empty());
  CHECK(spec.max_restarts == 3);
  CHECK(spec.min_uptime.count() == 2000);
  CHECK(spec.kill_timeout.count() == 500);
  CHECK(spec.kill_signal == 15);
  CHECK(spec.stop_exit_codes == std::vector<int>{0, 2});
  CHECK_FALSE(spec.autorestart);
  CHECK(spec.max_memory_restart == 300u * 1024 * 1024);
  CHECK(spec.instances == 2);
  CHECK(spec.exec_mode == "fork");  // instances on a binary stay fork mode; cluster is for node apps
}

TEST_CASE("a command on PATH is found when no such file exists here", "[start]") {
  TempDir dir;
  StartOptions o;
  o.script = "sleep";
  o.args = {"100"};
  auto r = pmd::config::spec_from_start_options(o, starter_in(dir.path));
  REQUIRE(std::holds_alternative<pmd::AppSpec>(r));
  CHECK_THAT(std::get<pmd::AppSpec>(r).script, Catch::EndsWith("/sleep"));
}

TEST_CASE("mistakes are refused with a sentence that says what to do", "[start]") {
  TempDir dir;
  dir.write("data.bin",
            std::string("\x7f"
                        "ELF\0\0",
                        6),
            0644);
  dir.write("app.rb", "puts 1", 0644);
  dir.write("ok.sh", "true", 0644);
  StartOptions o;
  auto s = starter_in(dir.path);

  o.script = "missing.js";
  CHECK_THAT(error_of(o, s), Catch::StartsWith("script not found: missing.js"));
  o.script = "./data.bin";
  CHECK_THAT(error_of(o, s), Catch::Contains("not executable") && Catch::Contains("chmod +x"));
  o.script = "ok.sh";
  o.values["interpreter"] = "no-such-interpreter";
  CHECK_THAT(error_of(o, s), Catch::Contains("interpreter not found") && Catch::Contains("no-such-interpreter"));
  o.values.erase("interpreter");
  o.values["cwd"] = "nowhere";
  CHECK_THAT(error_of(o, s), Catch::Contains("working directory not found"));
  o.values.erase("cwd");
  o.env_vars = {"NOEQUALS"};
  CHECK_THAT(error_of(o, s), Catch::Contains("KEY=VALUE"));
  o.env_vars = {};
  o.values["max_restarts"] = "many";
  CHECK_THAT(error_of(o, s), Catch::StartsWith("bad --max-restarts: ") && Catch::Contains("whole number"));
  o.values.erase("max_restarts");
  o.values["kill_timeout"] = "soon";
  CHECK_THAT(error_of(o, s), Catch::StartsWith("bad --kill-timeout: ") && Catch::Contains("not a duration"));
  o.values.erase("kill_timeout");
  o.values["max_memory_restart"] = "1,5G";
  CHECK_THAT(error_of(o, s), Catch::StartsWith("bad --max-memory-restart: ") && Catch::Contains("not a size"));
  o.values.erase("max_memory_restart");
  o.values["name"] = "all";
  CHECK_THAT(error_of(o, s), Catch::StartsWith("bad --name: "));
  o.values.erase("name");
  o.script = ".";
  CHECK_THAT(error_of(o, s), Catch::Contains("script not found"));
}

TEST_CASE("-i beyond the bound is refused unless --force", "[start][hostile]") {
  TempDir dir;
  dir.write("ok.sh", "true", 0644);
  StartOptions o;
  o.script = "ok.sh";
  auto s = starter_in(dir.path);
  o.values["instances"] = "100000";
  CHECK_THAT(error_of(o, s), Catch::StartsWith("bad --instances: ") && Catch::Contains("at most 4096"));
  o.values["instances"] = "1025";
  CHECK_THAT(error_of(o, s), Catch::Contains("1025 instances is more than") && Catch::Contains("--force"));
  o.force = true;
  auto forced = pmd::config::spec_from_start_options(o, s);
  REQUIRE(std::holds_alternative<pmd::AppSpec>(forced));
  CHECK(std::get<pmd::AppSpec>(forced).instances == 1025);
}

TEST_CASE("a text file with no known extension and no execute bit runs with node, as PM2", "[start][pm2]") {
  TempDir dir;
  dir.write("server", "require('http').createServer().listen(0)\n", 0644);
  dir.write("tool", "#!/bin/sh\necho hi\n", 0755);
  dir.write("blob",
            std::string("\x7f"
                        "ELF\0\0\0",
                        7),
            0644);
  StartOptions o;
  o.script = "server";
  auto spec = std::get<pmd::AppSpec>(pmd::config::spec_from_start_options(o, starter_in(dir.path)));
  CHECK(spec.interpreter == "node");
  o.script = "tool";  // executable: exec'd itself, its shebang decides
  spec = std::get<pmd::AppSpec>(pmd::config::spec_from_start_options(o, starter_in(dir.path)));
  CHECK(spec.interpreter.empty());
  o.script = "blob";  // a binary without the bit stays an error
  CHECK_THAT(error_of(o, starter_in(dir.path)), Catch::Contains("not executable"));
  CHECK_FALSE(pmd::config::looks_like_text(dir.path / "blob"));
  CHECK(pmd::config::looks_like_text(dir.path / "server"));
}

TEST_CASE("restart with start flags changes what they name and nothing else", "[start][pm2]") {
  TempDir dir;
  dir.write("app.js", "setInterval(() => {}, 1000)\n");
  StartOptions o;
  o.script = "app.js";
  o.values["instances"] = "2";
  o.env_vars = {"A=1"};
  auto current = std::get<pmd::AppSpec>(pmd::config::spec_from_start_options(o, starter_in(dir.path)));
  current.base_env = {{"FROM_SHELL", "yes"}};
  REQUIRE(current.exec_mode == "cluster");

  StartOptions flags;
  flags.values["max_memory_restart"] = "300M";
  flags.env_vars = {"B=2"};
  flags.switches["time"] = true;
  auto updated = pmd::config::respec(current, flags, starter_in("/"));
  REQUIRE(std::holds_alternative<pmd::AppSpec>(updated));
  const auto& u = std::get<pmd::AppSpec>(updated);
  CHECK(u.max_memory_restart == 300ull << 20);
  CHECK(u.env == pmd::Env{{"A", "1"}, {"B", "2"}});
  CHECK_FALSE(u.log_date_format.empty());  // --time, through the normalizer
  CHECK(u.instances == 2);
  CHECK(u.exec_mode == "cluster");                       // not reset to the flagless default
  CHECK(u.base_env == pmd::Env{{"FROM_SHELL", "yes"}});  // not replaced by this shell's
  CHECK(u.script == current.script);

  StartOptions more;
  more.values["instances"] = "4";
  CHECK(std::get<pmd::AppSpec>(pmd::config::respec(current, more, starter_in("/"))).instances == 4);
  StartOptions rename;
  rename.values["name"] = "other";
  CHECK_THAT(std::get<std::string>(pmd::config::respec(current, rename, starter_in("/"))),
             Catch::Contains("cannot rename"));
}
