// What an instance is exec'd with: argv, executable, and the environment PM2 apps rely on.
#include "launch_plan.h"

#include <catch2/catch.hpp>

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
