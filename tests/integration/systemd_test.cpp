// pmd under systemd: the notify protocol as a service manager sees it (a harness plays the
// NOTIFY_SOCKET receiver), the units pmctl startup makes (checked by systemd-analyze verify),
// installing into an image offline, and a clear answer where systemd is not running.
#include "daemon_fixture.h"
#include "handover/holder_protocol.h"
#include "http_client.h"
#include "process_utils.h"
#include "skip.h"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

using namespace pmd::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// The service manager's end of NOTIFY_SOCKET: a datagram socket at a path.
class NotifyReceiver {
 public:
  explicit NotifyReceiver(fs::path path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    timeval tv{0, 200 * 1000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifyReceiver() {
    ::close(fd_);
    ::unlink(path_.c_str());
  }
  const fs::path& path() const { return path_; }

  /// Waits for a message containing `field` (e.g. "READY=1"); returns it, or "" at the deadline.
  std::string wait_for(const std::string& field, std::chrono::milliseconds deadline = 20s) {
    std::string found;
    wait_until(
        [&] {
          char buf[4096];
          ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
          if (n <= 0) return false;
          std::string message(buf, static_cast<std::size_t>(n));
          received.push_back(message);
          if (("\n" + message + "\n").find("\n" + field + "\n") == std::string::npos) return false;
          found = message;
          return true;
        },
        deadline);
    return found;
  }

  std::vector<std::string> received;

 private:
  fs::path path_;
  int fd_ = -1;
};

// `systemd-analyze verify` exits 0 even for unknown keys and bad values; only silence is a pass.
RunResult verify_unit(const fs::path& unit, bool user_scope, const fs::path& runtime_dir) {
  std::vector<std::string> argv = {"/usr/bin/systemd-analyze"};
  if (user_scope) argv.push_back("--user");
  argv.insert(argv.end(), {"verify", unit.string()});
  RunOptions o;
  o.env["XDG_RUNTIME_DIR"] = runtime_dir.string();  // the user manager's, which a test has none of
  o.env["SYSTEMD_LOG_LEVEL"] = "notice";
  return run_command(argv, o);
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

}  // namespace

TEST_CASE("under a service manager pmd says READY=1 only once the saved apps are up, and STOPPING=1 on stop",
          "[systemd]") {
  Daemon d;
  RunOptions slow;
  slow.env["READY_DELAY_MS"] = "1500";
  REQUIRE(d.pmctl({"start", fixture("ready_when_told.js").string(), "--name", "slow", "--wait-ready",
                   "--listen-timeout", "10s"},
                  slow)
              .exit_code == 0);
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "hello"}).exit_code == 0);
  REQUIRE(wait_until([&] { return json_reports(d, "hello").size() == 1; }));
  REQUIRE(d.pmctl({"save"}).exit_code == 0);

  NotifyReceiver manager(d.home() / "notify.sock");
  ::setenv("NOTIFY_SOCKET", manager.path().c_str(), 1);
  d.restart({"--resurrect"});
  ::unsetenv("NOTIFY_SOCKET");

  std::string ready = manager.wait_for("READY=1");
  REQUIRE_FALSE(ready.empty());
  // At READY=1 the app that takes 1.5 s to be ready is already online.
  CHECK(d.instance("slow")["status"] == "online");
  CHECK(d.instance("hello")["status"] == "online");
  CHECK(ready.find("STATUS=") != std::string::npos);
  for (const auto& m : manager.received) CHECK((m.find("READY=1") == std::string::npos || m == ready));

  // Apps never see the service manager's socket: theirs is pmd's own.
  REQUIRE(wait_until([&] { return json_reports(d, "hello").size() >= 2; }));
  json seen = json_reports(d, "hello").back();
  REQUIRE(seen["NOTIFY_SOCKET"].is_string());
  CHECK(seen["NOTIFY_SOCKET"] != manager.path().string());

  CHECK(d.terminate() == 0);
  CHECK_FALSE(manager.wait_for("STOPPING=1", 5s).empty());
}

TEST_CASE(
    "under a service manager a pmd that dies leaves its apps running, the one Restart= starts adopts them "
    "before READY=1, and a stop still stops every app",
    "[systemd]") {
  Daemon d;
  NotifyReceiver manager(d.home() / "notify.sock");
  ::setenv("NOTIFY_SOCKET", manager.path().c_str(), 1);
  d.restart({"--resurrect"});
  ::unsetenv("NOTIFY_SOCKET");
  REQUIRE_FALSE(manager.wait_for("READY=1").empty());
  REQUIRE(d.pmctl({"start", "sleep", "--name", "kept", "--", "1000"}).exit_code == 0);
  REQUIRE(d.pmctl({"save"}).exit_code == 0);
  const int pid = d.instance("kept").value("pid", 0);

  // The main process dies; with KillMode=process systemd kills nothing else, then restarts pmd.
  d.crash(SIGKILL);
  CHECK(process_alive(pid));
  manager.received.clear();
  ::setenv("NOTIFY_SOCKET", manager.path().c_str(), 1);
  d.start_again({"--resurrect"});
  ::unsetenv("NOTIFY_SOCKET");
  std::string ready = manager.wait_for("READY=1");
  REQUIRE_FALSE(ready.empty());
  // At READY=1 the app is the same process, adopted; --resurrect did not start it a second time.
  auto listed = d.list();
  REQUIRE(listed.size() == 1);
  CHECK(listed[0]["pid"] == pid);
  CHECK(listed[0]["status"] == "online");
  CHECK(listed[0]["restarts"] == 0);

  // systemctl stop: SIGTERM to pmd alone, which stops every app, tells its fd holder to go, and exits.
  CHECK(d.terminate() == 0);
  CHECK_FALSE(manager.wait_for("STOPPING=1", 5s).empty());
  CHECK(wait_until([&] { return !process_alive(pid); }));
  CHECK(wait_until([&] {
    return pids_with_cmdline({"pmd-holder", pmd::handover::holder_name(d.home(), ::getuid())}).empty();
  }));
}

TEST_CASE("pmd --resurrect with no dump yet still becomes ready (first boot)", "[systemd]") {
  Daemon d;
  NotifyReceiver manager(d.home() / "notify.sock");
  ::setenv("NOTIFY_SOCKET", manager.path().c_str(), 1);
  d.restart({"--resurrect"});
  ::unsetenv("NOTIFY_SOCKET");
  CHECK_FALSE(manager.wait_for("READY=1").empty());
  CHECK(d.list().empty());
  CHECK(d.log_tail().find("nothing to resurrect") != std::string::npos);
}

TEST_CASE("every unit pmctl startup makes passes systemd-analyze verify", "[systemd]") {
  REQUIRE(fs::exists("/usr/bin/systemd-analyze"));  // Debian's systemd package (scripts/install-deps.sh)
  const fs::path dir = make_temp_home();
  const fs::path runtime = dir / "runtime";
  fs::create_directories(runtime);
  fs::permissions(runtime, fs::perms::owner_all);
  const std::string pmd = (bin_dir() / "pmd").string();

  // The system unit, as root's `pmctl startup --print` makes it (with a PMD_HOME of its own).
  RunOptions as_root;
  as_root.env["PMD_HOME"] = (dir / "home").string();
  auto printed = run_command({(bin_dir() / "pmctl").string(), "startup", "--print"}, as_root);
  REQUIRE(printed.exit_code == 0);
  CHECK(printed.out.find("ExecStart=" + pmd + " --no-daemon --resurrect") != std::string::npos);
  CHECK(printed.out.find("Environment=PMD_HOME=" + (dir / "home").string()) != std::string::npos);
  // The user unit: the one shipped in packaging/ (the unit tests prove it is what
  // `pmctl startup` prints for a non-root user), pointed at this build's pmd.
  std::string user_unit = read_file(fs::path(PMD_TEST_SOURCE_DIR) / "packaging/systemd/pmd-user.service");
  user_unit.replace(user_unit.find("/usr/bin/pmd"), std::string("/usr/bin/pmd").size(), pmd);

  for (const auto& [scope, text] : {std::pair<std::string, std::string>{"system", printed.out}, {"user", user_unit}}) {
    SECTION(scope) {
      const fs::path unit_dir = dir / scope;
      fs::create_directories(unit_dir);
      const fs::path unit = unit_dir / "pmd.service";
      write_text(unit, text);
      auto verified = verify_unit(unit, scope == "user", runtime);
      INFO(text);
      CHECK(verified.exit_code == 0);
      CHECK(verified.out + verified.err == "");

      // The check has teeth: a misspelt key in the same unit is reported.
      write_text(unit, text + "Restartt=always\n");
      auto broken = verify_unit(unit, scope == "user", runtime);
      CHECK(broken.err.find("Restartt") != std::string::npos);
    }
  }
  fs::remove_all(dir);
}

TEST_CASE("pmctl startup --root installs and enables the unit in an image offline, and unstartup undoes it",
          "[systemd]") {
  const fs::path image = make_temp_home();
  const std::string pmctl = (bin_dir() / "pmctl").string();
  auto installed = run_command({pmctl, "startup", "systemd", "--root", image.string()});
  INFO(installed.out << installed.err);
  REQUIRE(installed.exit_code == 0);
  const fs::path unit = image / "etc/systemd/system/pmd.service";
  const fs::path wanted = image / "etc/systemd/system/multi-user.target.wants/pmd.service";
  CHECK(fs::exists(unit));
  CHECK(fs::is_symlink(wanted));
  CHECK(read_file(unit).find("Type=notify") != std::string::npos);
  CHECK(installed.out.find("enabled pmd.service") != std::string::npos);

  auto removed = run_command({pmctl, "unstartup", "--root", image.string()});
  CHECK(removed.exit_code == 0);
  CHECK_FALSE(fs::exists(unit));
  CHECK_FALSE(fs::exists(fs::symlink_status(wanted)));
  auto again = run_command({pmctl, "unstartup", "--root", image.string()});
  CHECK(again.exit_code == 0);
  CHECK(again.out.find("nothing to remove") != std::string::npos);
  fs::remove_all(image);
}

TEST_CASE("pmctl startup where systemd is not the init says so and prints the unit and commands", "[systemd]") {
  if (fs::exists("/run/systemd/system"))
    PMD_SKIP(pmd::test::Need::kNoSystemd, "this machine runs systemd: the no-systemd answer cannot be seen here");
  auto r = run_command({(bin_dir() / "pmctl").string(), "startup"});
  CHECK(r.exit_code == 1);
  CHECK(r.err.find("systemd is not running") != std::string::npos);
  CHECK(r.err.find("systemctl enable pmd") != std::string::npos);
  CHECK(r.err.find("pmd run") != std::string::npos);
  CHECK(r.out.find("[Service]") != std::string::npos);

  auto other = run_command({(bin_dir() / "pmctl").string(), "startup", "openrc"});
  CHECK(other.exit_code == 1);
  CHECK(other.err.find("systemd only") != std::string::npos);
}

TEST_CASE("pmctl export systemd turns an ecosystem file into units systemd-analyze verify accepts", "[systemd]") {
  REQUIRE(fs::exists("/usr/bin/systemd-analyze"));
  const fs::path dir = make_temp_home();
  const fs::path runtime = dir / "runtime";
  fs::create_directories(runtime);
  const fs::path units = dir / "units";
  const std::string listen_fds_server = (bin_dir() / "listen_fds_server").string();
  const int port = free_port();
  write_text(dir / "ecosystem.json", R"({"apps": [
    {"name": "worker", "script": "/bin/sleep", "args": ["1000"], "max_memory_restart": "100M",
     "kill_timeout": 5000, "stop_exit_codes": [0], "restart_delay": 250, "out_file": ")" +
                                         (dir / "worker.log").string() + R"(",
     "env": {"GREETING": "50% \"quoted\" $HOME"}},
    {"name": "pool", "script": "/bin/sleep", "args": ["1000"], "instances": 3},
    {"name": "odd+name@2", "script": "/bin/sleep", "args": ["1000"], "instances": 2},
    {"name": "api", "script": ")" + listen_fds_server +
                                         R"(", "exec_mode": "cluster", "instances": 2, "port": )" +
                                         std::to_string(port) + R"(},
    {"name": "web", "script": ")" + fixture("hello.js").string() +
                                         R"(", "exec_mode": "cluster", "instances": 2}
  ]})");
  auto r = run_command(
      {(bin_dir() / "pmctl").string(), "export", "systemd", (dir / "ecosystem.json").string(), "--to", units.string()});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  for (const char* name : {"worker.service", "pool@.service", "pool.target", "api.socket", "api@.service", "api.target",
                           "web.service", "odd\\x2bname\\x402@.service", "odd\\x2bname\\x402.target"})
    CHECK(fs::exists(units / name));
  CHECK_FALSE(fs::exists(units / "worker@.service"));

  const std::string worker = read_file(units / "worker.service");
  CHECK_THAT(worker, Catch::Contains("ExecStart=\"/bin/sleep\" \"1000\"\n"));
  CHECK_THAT(worker, Catch::Contains("KillSignal=SIGINT\nTimeoutStopSec=5000ms\n"));  // PM2's default signal
  CHECK_THAT(worker, Catch::Contains("Restart=always\nRestartSec=250ms\nRestartPreventExitStatus=0\n"));
  CHECK_THAT(worker, Catch::Contains("MemoryHigh=104857600\nMemoryMax=131072000\n"));
  CHECK_THAT(worker, Catch::Contains("Environment=\"GREETING=50%% \\\"quoted\\\" $HOME\"\n"));
  CHECK_THAT(worker, Catch::Contains("StandardOutput=append:" + (dir / "worker.log").string() + "\n"));
  CHECK_THAT(r.err, Catch::Contains("worker: max_memory_restart becomes MemoryHigh"));
  CHECK_THAT(read_file(units / "pool@.service"), Catch::Contains("Environment=NODE_APP_INSTANCE=%i\n"));
  CHECK_THAT(read_file(units / "pool.target"), Catch::Contains("Wants=pool@0.service pool@1.service pool@2.service\n"));
  CHECK_THAT(read_file(units / "api.socket"), Catch::Contains("ListenStream=" + std::to_string(port) + "\n"));
  CHECK_THAT(read_file(units / "api@.service"), Catch::Contains("Sockets=api.socket\n"));
  // A Node app in cluster mode needs pmd between it and its socket: it runs under `pmd run`.
  const std::string web = read_file(units / "web.service");
  CHECK_THAT(web, Catch::Contains("ExecStart=\"" + (bin_dir() / "pmd").string() + "\" \"run\" \"" +
                                  (dir / "ecosystem.json").string() + "\" \"--only\" \"web\"\n"));
  CHECK_THAT(web, Catch::Contains("Type=notify\n"));

  // systemd's own checker, on every unit and what the targets pull in (the templates' instances).
  std::vector<std::string> argv = {"/usr/bin/systemd-analyze", "verify"};
  for (const auto& entry : fs::directory_iterator(units))
    if (entry.path().filename().string().find("@.") == std::string::npos) argv.push_back(entry.path().string());
  RunOptions o;
  o.env["SYSTEMD_UNIT_PATH"] = units.string() + ":";  // the templates are found here, then the system's
  o.env["XDG_RUNTIME_DIR"] = runtime.string();
  o.env["SYSTEMD_LOG_LEVEL"] = "notice";
  auto verified = run_command(argv, o);
  INFO(verified.out << verified.err);
  CHECK(verified.exit_code == 0);
  CHECK(verified.out + verified.err == "");
  fs::remove_all(dir);
}
