// Targets as PM2 users type them: a script file, a namespace, a /regex/ over names; and a verb
// that has nothing to act on fails, as PM2's does (scripts rely on its exit status).
#include "daemon_fixture.h"

#include <catch2/catch.hpp>

#include <filesystem>

using namespace pmd::test;
namespace fs = std::filesystem;

namespace {

std::string status_of(const Daemon& d, const std::string& name) { return d.instance(name).value("status", ""); }

}  // namespace

TEST_CASE("a script file, a namespace and a /regex/ each name their apps", "[targets]") {
  Daemon d;
  const std::string hello = fixture("hello.js").string();
  const std::string crash = fixture("exit_with.sh").string();
  REQUIRE(d.pmctl({"start", hello, "--name", "web-1", "--namespace", "front"}).exit_code == 0);
  REQUIRE(d.pmctl({"start", hello, "--name", "web-2", "--namespace", "front"}).exit_code == 0);
  REQUIRE(d.pmctl({"start", "sleep", "--name", "worker-a", "--namespace", "jobs", "--", "1000"}).exit_code == 0);
  REQUIRE(d.pmctl({"start", "sleep", "--name", "worker-b", "--namespace", "jobs", "--", "1000"}).exit_code == 0);

  // The script, named relative to where pmctl runs: every app running it.
  RunOptions beside;
  beside.cwd = fixture("hello.js").parent_path().string();
  auto by_file = d.pmctl({"stop", "./hello.js"}, beside);
  CHECK(by_file.exit_code == 0);
  CHECK(status_of(d, "web-1") == "stopped");
  CHECK(status_of(d, "web-2") == "stopped");
  CHECK(status_of(d, "worker-a") == "online");
  CHECK(d.pmctl({"restart", "hello.js"}, beside).exit_code == 0);
  CHECK(d.wait_status("web-1", "online"));
  CHECK(d.wait_status("web-2", "online"));

  // A namespace.
  CHECK(d.pmctl({"stop", "jobs"}).exit_code == 0);
  CHECK(status_of(d, "worker-a") == "stopped");
  CHECK(status_of(d, "worker-b") == "stopped");
  CHECK(status_of(d, "web-1") == "online");
  auto logs = d.pmctl({"logs", "front", "--nostream", "--lines", "5"});
  CHECK(logs.exit_code == 0);

  // A regular expression over names.
  CHECK(d.pmctl({"restart", "/^worker-/"}).exit_code == 0);
  CHECK(d.wait_status("worker-a", "online"));
  CHECK(d.wait_status("worker-b", "online"));
  auto described = d.pmctl({"describe", "/-b$/", "--json"});
  CHECK(described.exit_code == 0);
  CHECK(nlohmann::json::parse(described.out).size() == 1);
  CHECK(d.pmctl({"delete", "/^web-/"}).exit_code == 0);
  CHECK(d.list().size() == 2);

  auto no_match = d.pmctl({"stop", "/^nothing/"});
  CHECK(no_match.exit_code == 1);
  CHECK_THAT(no_match.err, Catch::Contains("no app name matches /^nothing/"));
  auto bad = d.pmctl({"stop", "/(/"});
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.err, Catch::Contains("invalid regular expression"));
  auto other_file = d.pmctl({"stop", crash});
  CHECK(other_file.exit_code == 1);
  CHECK_THAT(other_file.err, Catch::Contains("no app runs " + crash));
}

TEST_CASE("stop, restart, reload and delete of nothing exit 1 and say so", "[targets]") {
  Daemon d;
  for (const char* verb : {"stop", "restart", "reload", "delete"}) {
    auto r = d.pmctl({verb, "all"});
    INFO("pmctl " << verb << " all");
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::Contains(std::string("nothing to ") + verb + ": no apps are registered"));
  }
  // Showing nothing is not a failure.
  CHECK(d.pmctl({"list"}).exit_code == 0);
  CHECK(d.pmctl({"logs", "all", "--nostream"}).exit_code == 0);
}
