// pmctl --host: real OpenSSH servers on 127.0.0.1 (tests/support/ssh_hosts.h) stand in for
// machines, each logging into its own pmd home; the test checks on those pmds directly what the
// remote commands did.
#include "daemon_fixture.h"
#include "http_client.h"
#include "skip.h"
#include "ssh_hosts.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>

using namespace pmd::test;
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// When a process started, in clock ticks since boot (/proc/PID/stat, field 22).
long long started_at(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream rest(text.substr(close + 2));
  std::string field;
  for (int i = 3; i <= 22 && rest >> field; ++i) {
  }
  return std::stoll(field);
}

// The highest N of the "| line N" lines in `text`.
long long highest_line_number(const std::string& text) {
  long long highest = 0;
  for (auto at = text.find("| line "); at != std::string::npos; at = text.find("| line ", at + 1))
    highest = std::max(highest, std::atoll(text.c_str() + at + 7));
  return highest;
}

// A pmctl that keeps running (logs -f), its output in a file; stopped with SIGINT as a user would.
class BackgroundPmctl {
 public:
  BackgroundPmctl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env, fs::path out)
      : out_(std::move(out)) {
    pid_ = ::fork();
    if (pid_ == 0) {
      int fd = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
      const std::string pmctl = (bin_dir() / "pmctl").string();
      std::vector<char*> argv = {const_cast<char*>(pmctl.c_str())};
      for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
      argv.push_back(nullptr);
      ::execv(pmctl.c_str(), argv.data());
      _exit(127);
    }
  }
  ~BackgroundPmctl() { stop(); }
  std::string output() const { return read_file(out_); }
  std::string tail() const {
    const std::string all = output();
    return all.size() > 600 ? all.substr(all.size() - 600) : all;
  }
  int stop() {
    if (pid_ <= 0) return status_;
    ::kill(pid_, SIGINT);
    int status = 0;
    if (!wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, 10s)) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
    }
    pid_ = -1;
    status_ = status;
    return status_;
  }

 private:
  fs::path out_;
  pid_t pid_ = -1;
  int status_ = -1;
};

RunOptions with_env(const std::map<std::string, std::string>& env) {
  RunOptions o;
  o.env = env;
  return o;
}

// ssh processes (any child of any pmctl) still running with this test's config.
int ssh_clients_of(const SshHosts& hosts) {
  return static_cast<int>(pids_with_cmdline({"BatchMode=yes", hosts.dir().string()}).size());
}

}  // namespace

TEST_CASE("pmctl --host drives a pmd over ssh: start, list, logs -f, stop, with PMD_HOST too", "[ssh]") {
  Daemon d;
  SshHosts hosts({d.home()});
  if (!hosts.why_not().empty()) PMD_SKIP(Need::kSshd, hosts.why_not());
  const auto env = with_env(hosts.client_env());
  const std::string host = hosts.url(0);

  auto r = d.pmctl({"--host", host, "start", fixture("numbered_lines.js").string(), "--name", "lines"}, env);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  // It ran on the pmd behind that ssh server.
  const int pid = d.instance("lines").value("pid", 0);
  REQUIRE(pid > 0);
  CHECK_THAT(r.out, Catch::Contains("started lines"));

  r = d.pmctl({"--host", host, "list", "--json"}, env);
  REQUIRE(r.exit_code == 0);
  auto rows = json::parse(r.out);
  REQUIRE(rows.size() == 1);
  CHECK(rows[0].value("pid", 0) == pid);

  // A stream: lines the app prints after it started arrive through ssh.
  {
    BackgroundPmctl follow({"--host", host, "logs", "lines"}, hosts.client_env(), d.home() / "follow.out");
    const std::string so_far = read_file(d.home() / "logs" / "lines-out.log");
    const long long now = std::count(so_far.begin(), so_far.end(), '\n');
    // Beyond the recent lines it shows first: printed after it connected.
    const bool seen = wait_until([&] { return highest_line_number(follow.output()) > now + 500; });
    INFO(follow.tail());
    CHECK(seen);
    follow.stop();
  }
  // Ending the local pmctl ends its ssh: nothing is left behind.
  CHECK(wait_until([&] { return ssh_clients_of(hosts) == 0; }, 5s));

  RunOptions by_variable = env;
  by_variable.env["PMD_HOST"] = host;
  r = d.pmctl({"stop", "lines"}, by_variable);
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(d.wait_status("lines", "stopped"));
  r = d.pmctl({"--host", host, "describe", "lines"}, env);
  CHECK(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("stopped"));
}

TEST_CASE("pmctl --host says plainly why it cannot: unknown host key, refused key, no pmd there, nothing listening",
          "[ssh]") {
  Daemon d;
  SshHosts hosts({d.home()});
  if (!hosts.why_not().empty()) PMD_SKIP(Need::kSshd, hosts.why_not());
  const std::string host = hosts.url(0);
  const std::string config = (hosts.dir() / "ssh_config").string();

  RunOptions o = with_env(hosts.client_env());
  o.env["PMD_SSH_OPTS"] = "-F " + config + " -o UserKnownHostsFile=" + hosts.wrong_known_hosts().string();
  auto r = d.pmctl({"--host", host, "list"}, o);
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Catch::Contains("host key") && Catch::Contains("127.0.0.1"));

  o = with_env(hosts.client_env());
  o.env["PMD_SSH_OPTS"] = "-F /dev/null -o IdentitiesOnly=yes -o IdentityFile=" + (hosts.dir() / "other_key").string() +
                          " -o UserKnownHostsFile=" + (hosts.dir() / "known_hosts").string();
  r = d.pmctl({"--host", host, "list"}, o);
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Catch::Contains("login was refused") && Catch::Contains("Permission denied"));

  o = with_env(hosts.client_env());
  o.env["PMD_REMOTE_PMCTL"] = "/nonexistent/pmctl";
  r = d.pmctl({"--host", host, "list"}, o);
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Catch::Contains("pmd is not installed there"));
  // The same for a command run whole over there.
  r = d.pmctl({"--host", host, "start", fixture("hello.js").string()}, o);
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Catch::Contains("pmd is not installed there"));

  r = d.pmctl({"--host", "ssh://root@127.0.0.1:" + std::to_string(free_port()), "list"}, with_env(hosts.client_env()));
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Catch::Contains("cannot reach it") && Catch::Contains("Connection refused"));

  r = d.pmctl({"--host", "ftp://web1", "list"}, with_env(hosts.client_env()));
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("only ssh://"));
  CHECK(d.list().empty());
}

TEST_CASE(
    "several hosts: one table, labelled metrics, merged logs, and a reload that rolls host by host under load "
    "without one failed request and stops at a host that fails",
    "[ssh][reload]") {
  Daemon a;
  Daemon b;
  SshHosts hosts({a.home(), b.home()});
  if (!hosts.why_not().empty()) PMD_SKIP(Need::kSshd, hosts.why_not());
  const auto env = with_env(hosts.client_env());
  const std::string both = hosts.url(0) + "," + hosts.url(1);
  const std::string label_a = "root@127.0.0.1:" + std::to_string(hosts.port(0));
  const std::string label_b = "root@127.0.0.1:" + std::to_string(hosts.port(1));

  // Each host its own port: a command run whole over there, one host at a time.
  const int port_a = free_port(), port_b = free_port();
  const std::string server = (bin_dir() / "graceful_http_server").string();
  for (auto [url, port] : {std::pair{hosts.url(0), port_a}, {hosts.url(1), port_b}}) {
    auto r = a.pmctl({"--host", url, "start", server, "--name", "native", "-i", "2", "--exec-mode", "cluster", "--port",
                      std::to_string(port), "--env-var", "SAY_READY=1", "--listen-timeout", "30s"},
                     env);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
  }
  REQUIRE(pids_of(a, "native").size() == 2);
  REQUIRE(pids_of(b, "native").size() == 2);

  auto r = a.pmctl({"--host", both, "list"}, env);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("host") && Catch::Contains(label_a) && Catch::Contains(label_b));
  r = a.pmctl({"--host", both, "list", "--json"}, env);
  auto rows = json::parse(r.out);
  REQUIRE(rows.size() == 4);
  std::set<int> listed;
  for (const auto& row : rows) listed.insert(row.value("pid", 0) * (row.value("host", "") == label_b ? -1 : 1));
  for (int pid : pids_of(a, "native")) CHECK(listed.count(pid));
  for (int pid : pids_of(b, "native")) CHECK(listed.count(-pid));

  // The same hosts from a hosts file (PMD_HOSTS), with a comment.
  std::ofstream(a.home() / "hosts.txt") << "# the web tier\n" << hosts.url(0) << "\n" << hosts.url(1) << "  # spare\n";
  RunOptions from_file = env;
  from_file.env["PMD_HOSTS"] = (a.home() / "hosts.txt").string();
  r = a.pmctl({"list", "--json"}, from_file);
  INFO(r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(json::parse(r.out).size() == 4);

  r = a.pmctl({"--host", both, "metrics"}, env);
  REQUIRE(r.exit_code == 0);
  CHECK_THAT(r.out, Catch::Contains("host=\"" + label_a + "\",app=\"native\"") &&
                        Catch::Contains("host=\"" + label_b + "\",app=\"native\""));
  // One HELP per family, however many hosts.
  CHECK(std::count(r.out.begin(), r.out.end(), '#') > 0);
  const auto first_help = r.out.find("# HELP pmd_up");
  if (first_help != std::string::npos) CHECK(r.out.find("# HELP pmd_up", first_help + 1) == std::string::npos);

  // Logs of both, merged, each line saying where it comes from.
  REQUIRE(a.pmctl({"--host", both, "start", fixture("numbered_lines.js").string(), "--name", "lines"}, env).exit_code ==
          0);
  {
    BackgroundPmctl follow({"--host", both, "logs", "lines"}, hosts.client_env(), a.home() / "follow.out");
    const bool seen = wait_until([&] {
      const std::string out = follow.output();
      return out.find(label_a + " | 2|lines | line ") != std::string::npos &&
             out.find(label_b + " | 2|lines | line ") != std::string::npos;
    });
    INFO(follow.tail());
    CHECK(seen);
  }
  REQUIRE(a.pmctl({"--host", both, "delete", "lines"}, env).exit_code == 0);
  CHECK(wait_until([&] { return ssh_clients_of(hosts) == 0; }, 5s));

  // The rolling reload, both hosts under load.
  HttpLoad load_a(port_a, 3), load_b(port_b, 3);
  REQUIRE(wait_until([&] { return load_a.snapshot().ok > 100 && load_b.snapshot().ok > 100; }, 30s));
  const auto before_a = pids_of(a, "native"), before_b = pids_of(b, "native");
  r = a.pmctl({"--host", both, "reload", "native"}, env);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  const auto after_a = pids_of(a, "native"), after_b = pids_of(b, "native");
  for (int pid : after_a) CHECK(before_a.count(pid) == 0);
  for (int pid : after_b) CHECK(before_b.count(pid) == 0);
  // Host by host: every new instance of the first started before any of the second.
  long long latest_a = 0, earliest_b = LLONG_MAX;
  for (int pid : after_a) latest_a = std::max(latest_a, started_at(pid));
  for (int pid : after_b) earliest_b = std::min(earliest_b, started_at(pid));
  CHECK(latest_a < earliest_b);
  CHECK(r.out.find("── " + label_a + " ──") < r.out.find("── " + label_b + " ──"));

  // A host that fails mid-roll stops it there: the next one is left as it was.
  const std::string dead = "ssh://root@127.0.0.1:" + std::to_string(free_port());
  r = a.pmctl({"--host", hosts.url(0) + "," + dead + "," + hosts.url(1), "reload", "native"}, env);
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("reload stopped at root@127.0.0.1") && Catch::Contains("not done on " + label_b));
  for (int pid : pids_of(a, "native")) CHECK(after_a.count(pid) == 0);
  CHECK(pids_of(b, "native") == after_b);

  REQUIRE(wait_until([&] { return load_a.snapshot().ok > 300 && load_b.snapshot().ok > 300; }, 30s));
  auto report_a = load_a.stop(), report_b = load_b.stop();
  CHECK(report_a.failed == 0);
  CHECK(report_b.failed == 0);
}
