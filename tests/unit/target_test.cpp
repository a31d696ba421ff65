// What a verb's target names, and in which order the rules apply.
#include "supervise/target.h"

#include <catch2/catch.hpp>

#include <chrono>

using pmd::AppFacts;
using pmd::match_target;

namespace {

const std::vector<AppFacts> kApps = {
    {"api", "billing", "/srv/api/server.js", {0, 1}},
    {"worker-1", "billing", "/srv/jobs/worker.js", {2}},
    {"worker-2", "default", "/srv/jobs/worker.js", {3}},
    {"billing", "default", "/srv/billing/app.py", {4}},  // a name that is also a namespace
};

std::vector<std::size_t> apps_of(const std::string& target) {
  auto m = match_target(target, kApps);
  INFO(target << ": " << m.error);
  CHECK(m.error.empty());
  return m.apps;
}

std::string error_of(const std::string& target, const std::vector<AppFacts>& apps = kApps) {
  auto m = match_target(target, apps);
  CHECK(m.apps.empty());
  return m.error;
}

}  // namespace

TEST_CASE("targets: all, an id, a name, /regex/, a namespace, a script's path", "[target]") {
  CHECK(apps_of("all") == std::vector<std::size_t>{0, 1, 2, 3});
  auto id = match_target("1", kApps);
  CHECK(id.apps == std::vector<std::size_t>{0});
  CHECK(id.id == 1);
  CHECK(apps_of("api") == std::vector<std::size_t>{0});
  CHECK(apps_of("/^worker-/") == std::vector<std::size_t>{1, 2});
  CHECK(apps_of("/i/") == std::vector<std::size_t>{0, 3});
  CHECK(apps_of("/srv/jobs/worker.js") == std::vector<std::size_t>{1, 2});
  CHECK(apps_of("/srv/jobs/../jobs/./worker.js") == std::vector<std::size_t>{1, 2});
  // A name wins over a namespace of the same word; another namespace names its apps.
  CHECK(apps_of("billing") == std::vector<std::size_t>{3});
  CHECK(apps_of("default") == std::vector<std::size_t>{2, 3});
}

TEST_CASE("targets that name nothing say why, with a did-you-mean", "[target]") {
  CHECK(error_of("42") == "no process with id 42 (see `pmctl list`)");
  CHECK(error_of("apj") == "no app or namespace named 'apj' (did you mean 'api'?)");
  CHECK(error_of("defualt") == "no app or namespace named 'defualt' (did you mean 'default'?)");
  CHECK(error_of("/^nothing/") == "no app name matches /^nothing/ (see `pmctl list`)");
  CHECK(error_of("/srv/other.js") == "no app runs /srv/other.js (see `pmctl list`)");
  CHECK_THAT(error_of("/(unclosed/"), Catch::StartsWith("invalid regular expression /(unclosed/: "));
  CHECK_THAT(error_of("/" + std::string(300, 'a') + "/"), Catch::Contains("is longer than 256 characters"));
  CHECK_THAT(error_of("/(a)\\1/"), Catch::StartsWith("invalid regular expression /(a)\\1/: "));
  // A pattern that makes a backtracking matcher run for minutes answers at once.
  const std::vector<AppFacts> long_name = {{std::string(128, 'a'), "default", "/bin/true", {0}}};
  const auto started = std::chrono::steady_clock::now();
  CHECK(error_of("/(a|aa)*b/", long_name) == "no app name matches /(a|aa)*b/ (see `pmctl list`)");
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
  CHECK(error_of("api", {}) == "no app or namespace named 'api' (no apps are running; start one with `pmctl start`)");
  // "all" of nothing is not an error here: list and logs show nothing; verbs refuse it themselves.
  auto none = match_target("all", {});
  CHECK(none.apps.empty());
  CHECK(none.error.empty());
}
