// `pmctl start` of something that cannot run fails at once, says why, and registers nothing.
#include "daemon_fixture.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

using namespace pmd::test;

TEST_CASE("start refuses what cannot run, with a clear message and nothing registered", "[start]") {
  Daemon d;
  struct Case {
    std::vector<std::string> args;
    const char* message;
  };
  const std::vector<Case> cases = {
      {{"start", "/no/such/app.js"}, "script not found: /no/such/app.js"},
      {{"start", fixture("not_executable.bin").string()}, "not executable"},
      {{"start", fixture("hello.js").string(), "--interpreter", "no-such-runtime"},
       "interpreter not found: 'no-such-runtime'"},
      {{"start", fixture("hello.js").string(), "--name", "12"}, "bad --name"},
      {{"start", fixture("hello.js").string(), "--kill-timeout", "later"}, "bad --kill-timeout"},
  };
  for (const auto& c : cases) {
    auto r = d.pmctl(c.args);
    INFO("pmctl " << c.args[0] << " " << c.args[1]);
    CHECK(r.exit_code == 1);
    CHECK_THAT(r.err, Catch::StartsWith("pmctl: error: ") && Catch::Contains(c.message));
  }
  CHECK(d.list().empty());
}

TEST_CASE("an exec failure inside the daemon is reported and leaves nothing behind", "[start]") {
  Daemon d;
  // The file is executable when pmctl checks it, but its interpreter line points nowhere, so
  // execve fails in the child: the daemon must report that, not a half-started app.
  auto script = d.home() / "broken";
  { std::ofstream(script) << "#!/no/such/interpreter\n"; }
  ::chmod(script.c_str(), 0755);
  auto r = d.pmctl({"start", script.string()});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("cannot execute " + script.string()) && Catch::Contains("No such file"));
  CHECK(d.list().empty());
}

TEST_CASE("a second app with the same name is refused, start by name revives a stopped one", "[start]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("hello.js").string()}).exit_code == 0);
  auto again = d.pmctl({"start", fixture("hello.js").string()});
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.err, Catch::Contains("already exists") && Catch::Contains("pmctl restart hello"));
  CHECK(d.list().size() == 1);

  REQUIRE(d.pmctl({"stop", "hello"}).exit_code == 0);
  CHECK(d.instance("hello")["status"] == "stopped");
  auto revive = d.pmctl({"start", "hello"});
  CHECK(revive.exit_code == 0);
  CHECK(d.instance("hello")["status"] == "online");
}

TEST_CASE("unknown targets get a suggestion", "[start]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "api"}).exit_code == 0);
  auto r = d.pmctl({"stop", "apj"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("no app or namespace named 'apj'") && Catch::Contains("did you mean 'api'?"));
  auto by_id = d.pmctl({"restart", "99"});
  CHECK(by_id.exit_code == 1);
  CHECK_THAT(by_id.err, Catch::Contains("no process with id 99"));
  auto usage = d.pmctl({"stop"});
  CHECK(usage.exit_code == 2);
}

TEST_CASE("a port written in the code that is taken fails start with the port and its holder, and no crash loop",
          "[start][cluster]") {
  // Something else listens on the port the app has in its code.
  pmd::test::TempDir scratch;
  auto holder_script = scratch.path / "holder.js";
  std::ofstream(holder_script) << "require('net').createServer().listen(0, '0.0.0.0', function () {"
                                  " require('fs').writeFileSync(process.argv[2], String(this.address().port)); });\n";
  auto port_file = scratch.path / "port";
  const pid_t holder = ::fork();
  if (holder == 0) {
    ::execl("/usr/bin/env", "env", "node", holder_script.c_str(), port_file.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  REQUIRE(holder > 0);
  struct Reap {
    pid_t pid;
    ~Reap() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  } reap{holder};
  REQUIRE(
      wait_until([&] { return std::filesystem::exists(port_file) && std::filesystem::file_size(port_file) > 0; }, 30s));
  std::string port;
  std::ifstream(port_file) >> port;

  Daemon d;
  RunOptions env;
  env.env["APP_FIXED_PORT"] = port;
  auto r = d.pmctl(
      {"start", fixture("fixed_port.js").string(), "--name", "taken", "-i", "2", "--listen-timeout", "60s"}, env);
  INFO(r.out << r.err << d.log_tail());
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("port " + port + " is already in use by pid " + std::to_string(holder)));
  CHECK_THAT(r.err, Catch::Contains("holder.js"));
  // No crash loop: both instances gave up at once, and stay down.
  for (auto& v : d.list()) {
    CHECK(v["status"] == "errored");
    CHECK(v["restarts"] == 0);
  }
}
