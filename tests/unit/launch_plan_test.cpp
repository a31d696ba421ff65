// What an instance is exec'd with: argv, executable, and the environment PM2 apps rely on.
#include "process/launch_plan.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>

namespace {
pmd::AppSpec spec() {
  pmd::AppSpec s;
  s.name = "api";
  s.script = "/bin/true";
  s.cwd = "/";
  s.base_env = {{"PATH", "/usr/bin:/bin"}, {"PORT", "3000"}, {"SHELL_ONLY", "x"}};
  s.env = {{"PORT", "4000"}};
  return s;
}
}  // namespace

TEST_CASE("instances get the starter's env, declared env on top, and their identity", "[launch]") {
  auto env = pmd::instance_environment(spec(), {7, 2});
  CHECK(env.at("PORT") == "4000");
  CHECK(env.at("SHELL_ONLY") == "x");
  CHECK(env.at("pm_id") == "7");
  CHECK(env.at("name") == "api");
  CHECK(env.at("NODE_APP_INSTANCE") == "2");
  CHECK(env.at("PMD_APP") == "api");
  CHECK(env.at("PMD_INSTANCE") == "2");
}

TEST_CASE("instance_var renames the instance variable, increment_var counts up", "[launch]") {
  auto s = spec();
  s.instance_var = "INSTANCE_ID";
  s.increment_var = "PORT";
  auto env = pmd::instance_environment(s, {0, 3});
  CHECK(env.at("INSTANCE_ID") == "3");
  CHECK(env.count("NODE_APP_INSTANCE") == 0);
  CHECK(env.at("PORT") == "4003");
}

TEST_CASE("the executable is resolved on the app's PATH, a missing one is a sentence", "[launch]") {
  auto s = spec();
  s.interpreter = "sh";
  auto req = pmd::make_spawn_request(s, {0, 0});
  REQUIRE(std::holds_alternative<pmd::SpawnRequest>(req));
  auto& r = std::get<pmd::SpawnRequest>(req);
  CHECK_THAT(r.executable, Catch::EndsWith("/sh"));
  CHECK(r.argv == std::vector<std::string>{"sh", "/bin/true"});
  s.interpreter = "no-such-runtime";
  auto missing = pmd::make_spawn_request(s, {0, 0});
  CHECK(std::get<std::string>(missing) == "interpreter 'no-such-runtime' not found on the app's PATH");
}

TEST_CASE("a cluster Node app gets the socket at fd 3, the preload, and its IPC channel right after", "[launch]") {
  auto s = spec();
  s.interpreter = "sh";  // found on PATH; is_node_app decides by the interpreter's name below
  pmd::LaunchExtras extras;
  extras.socket.fd = 10;
  extras.socket.address.port = 4000;
  extras.node_preload = "/opt/pmd/preload.js";
  extras.ipc_fd = 11;
  extras.notify_socket = "@pmd-notify-1";
  auto plain = std::get<pmd::SpawnRequest>(pmd::make_spawn_request(s, {0, 0}, extras));
  auto has = [](const pmd::SpawnRequest& r, const std::string& entry) {
    return std::find(r.envp.begin(), r.envp.end(), entry) != r.envp.end();
  };
  CHECK(plain.pass_fds == std::vector<int>{10});
  CHECK(plain.extra_fds == std::vector<int>{11});
  CHECK(has(plain, "NODE_CHANNEL_FD=4"));  // after the one listening socket at fd 3
  CHECK(has(plain, "PORT=4000"));
  CHECK(has(plain, "NOTIFY_SOCKET=@pmd-notify-1"));
  CHECK_FALSE(has(plain, "NODE_OPTIONS=--require \"/opt/pmd/preload.js\""));  // sh is not node

  s.interpreter = "/bin/sh";
  CHECK_FALSE(pmd::is_node_app(s));
  // node itself is a dependency of the test suite (scripts/install-deps.sh), found on our PATH.
  s.interpreter = "node";
  CHECK(pmd::is_node_app(s));
  const char* path = std::getenv("PATH");
  s.base_env["PATH"] = path ? path : "/usr/local/bin:/usr/bin:/bin";
  s.exec_mode = "cluster";
  auto cluster = pmd::make_spawn_request(s, {0, 0}, extras);
  REQUIRE(std::holds_alternative<pmd::SpawnRequest>(cluster));
  CHECK(has(std::get<pmd::SpawnRequest>(cluster), "NODE_OPTIONS=--require \"/opt/pmd/preload.js\""));
  CHECK(has(std::get<pmd::SpawnRequest>(cluster), "PMD_CLUSTER=1"));

  s.exec_mode = "fork";
  extras.socket = {};
  auto fork_mode = pmd::make_spawn_request(s, {0, 0}, extras);
  REQUIRE(std::holds_alternative<pmd::SpawnRequest>(fork_mode));
  const auto& r = std::get<pmd::SpawnRequest>(fork_mode);
  CHECK(r.pass_fds.empty());
  CHECK(has(r, "NODE_CHANNEL_FD=3"));  // no socket: the channel is fd 3
  CHECK(std::none_of(r.envp.begin(), r.envp.end(),
                     [](const std::string& e) { return e.rfind("NODE_OPTIONS=", 0) == 0; }));
}
