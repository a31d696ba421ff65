// max_memory_restart: a leaking app is restarted gracefully soon after crossing its limit, the
// reason is recorded, and these restarts do not count as crashes.
#include "daemon_fixture.h"

#include <catch2/catch.hpp>

using namespace pmd::test;

TEST_CASE("a leaking app is restarted when its memory passes max_memory_restart", "[memory]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("leak.js").string(), "--max-memory-restart", "120M", "--max-restarts", "1"}).exit_code == 0);
  pid_t first = d.instance("leak")["pid"].get<pid_t>();
  REQUIRE(wait_until([&] { return d.instance("leak")["memory_restarts"].get<int>() >= 2; }, 60s));
  auto v = d.describe("leak");
  CHECK(v["pid"] != first);
  CHECK(v["unstable_restarts"] == 0);  // not crashes: max_restarts 1 was not used up
  CHECK(v["status"] != "errored");
  bool reason_recorded = false;
  for (const auto& t : v["transitions"])
    if (t["reason"].get<std::string>().find("limit 120.0 MiB") != std::string::npos) reason_recorded = true;
  CHECK(reason_recorded);
  CHECK_THAT(read_file(d.home() / "pmd.stderr"), Catch::Contains("> limit 120.0 MiB; restarting it"));
}
