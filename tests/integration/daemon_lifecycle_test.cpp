// The daemon's life: pmctl starts it when none answers (exactly one, even when many pmctl race),
// a second pmd on the same home is refused, a stale socket is replaced, `pmctl kill` ends it.
#include "daemon_fixture.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <fstream>
#include <thread>

using namespace pmd::test;

namespace {

RunResult pmctl_in(const std::filesystem::path& home, const std::vector<std::string>& args) {
  std::vector<std::string> argv = {(bin_dir() / "pmctl").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions o;
  o.env["PMD_HOME"] = home.string();
  return run_command(argv, o);
}

std::vector<pid_t> daemons_of(const std::filesystem::path& home) {
  return pids_with_cmdline({(bin_dir() / "pmd").string(), home.string()});
}

struct HomeCleanup {
  std::filesystem::path home;
  ~HomeCleanup() {
    pmctl_in(home, {"kill"});
    std::error_code ec;
    std::filesystem::remove_all(home, ec);
  }
};

}  // namespace

TEST_CASE("pmctl starts a daemon when none answers, and kill stops it and its apps", "[daemon]") {
  HomeCleanup h{make_temp_home() / "home"};
  auto ping = pmctl_in(h.home, {"ping"});
  REQUIRE(ping.exit_code == 0);
  CHECK_THAT(ping.out, Catch::Contains("pong"));
  auto daemons = daemons_of(h.home);
  REQUIRE(daemons.size() == 1);
  CHECK(read_file(h.home / "pmd.pid") == std::to_string(daemons[0]) + "\n");
  CHECK_THAT(read_file(h.home / "pmd.log"), Catch::Contains("serving"));

  REQUIRE(pmctl_in(h.home, {"start", fixture("hello.js").string()}).exit_code == 0);
  RunOptions o;
  o.env["PMD_HOME"] = h.home.string();
  auto list = run_command({(bin_dir() / "pmctl").string(), "list", "--json"}, o);
  pid_t app = nlohmann::json::parse(list.out).at(0)["pid"].get<pid_t>();

  auto kill = pmctl_in(h.home, {"kill"});
  CHECK(kill.exit_code == 0);
  CHECK(wait_until([&] { return daemons_of(h.home).empty(); }));
  CHECK_FALSE(process_alive(app));
  CHECK_FALSE(std::filesystem::exists(h.home / "pmd.sock"));
  auto again = pmctl_in(h.home, {"kill"});
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.out, Catch::Contains("no daemon is running"));
}

TEST_CASE("many pmctl racing to start the daemon leave exactly one", "[daemon]") {
  HomeCleanup h{make_temp_home() / "home"};
  std::vector<std::thread> clients;
  std::vector<int> codes(6, -1);
  for (std::size_t i = 0; i < codes.size(); ++i)
    clients.emplace_back([&, i] { codes[i] = pmctl_in(h.home, {"list", "--json"}).exit_code; });
  for (auto& t : clients) t.join();
  for (int c : codes) CHECK(c == 0);
  CHECK(daemons_of(h.home).size() == 1);
}

TEST_CASE("a second pmd on the same home is refused, a stale socket file is replaced", "[daemon]") {
  Daemon d;
  auto second = run_command({(bin_dir() / "pmd").string(), "--no-daemon", "--home", d.home().string()});
  CHECK(second.exit_code == 3);
  CHECK_THAT(second.err, Catch::Contains("already running") && Catch::Contains(std::to_string(d.pid())));
  CHECK(d.pmctl({"ping"}).exit_code == 0);

  // A daemon killed without cleanup leaves its socket file; the next one must not trip on it.
  REQUIRE(d.terminate() == 0);
  auto home = make_temp_home();
  std::ofstream(home / "pmd.sock") << "stale";
  auto ping = pmctl_in(home, {"ping"});
  CHECK(ping.exit_code == 0);
  pmctl_in(home, {"kill"});
  std::filesystem::remove_all(home);
}

TEST_CASE("pmctl version reports both sides, commands without a daemon say so", "[daemon]") {
  Daemon d;
  auto v = d.pmctl({"version"});
  CHECK(v.exit_code == 0);
  CHECK_THAT(v.out, Catch::Contains("pmctl ") && Catch::Contains("pmd ") && Catch::Contains(std::to_string(d.pid())));
  auto home = make_temp_home();
  auto none = pmctl_in(home, {"version"});
  CHECK_THAT(none.out, Catch::Contains("not running"));
  CHECK(daemons_of(home).empty());
  std::filesystem::remove_all(home);
}

TEST_CASE("a PMD_HOME others can write is refused", "[daemon]") {
  auto home = make_temp_home();
  ::chmod(home.c_str(), 0777);
  auto r = run_command({(bin_dir() / "pmd").string(), "--no-daemon", "--home", home.string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("writable by other users") && Catch::Contains("chmod 700"));
  std::filesystem::remove_all(home);
}
