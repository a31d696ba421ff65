// Daemon: the integration tests' RAII fixture.
#include "daemon_fixture.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "handover/holder_protocol.h"
#include "process_utils.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

namespace pmd::test {

namespace fs = std::filesystem;

fs::path bin_dir() { return PMD_TEST_BIN_DIR; }
fs::path fixture(const std::string& name) { return fs::path(PMD_TEST_FIXTURES_DIR) / name; }

fs::path make_temp_home() {
  char tmpl[] = "/tmp/pmdt-XXXXXX";
  return ::mkdtemp(tmpl);
}

namespace {
bool socket_answers(const fs::path& socket) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
  bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}
}  // namespace

Daemon::Daemon(std::vector<std::string> pmd_args) : home_(make_temp_home()) { launch(std::move(pmd_args)); }

Daemon::Daemon(std::vector<std::string> pmd_args, std::filesystem::path home) : home_(std::move(home)) {
  fs::create_directories(home_);
  fs::permissions(home_, fs::perms::owner_all);
  launch(std::move(pmd_args));
}

void Daemon::restart(std::vector<std::string> pmd_args) {
  if (int status = terminate(); status != 0)
    FAIL("pmd exited with status " << status << " on SIGTERM:\n" << log_tail());
  launch(std::move(pmd_args));
}

void Daemon::launch(std::vector<std::string> pmd_args) {
  pid_ = ::fork();
  if (pid_ == 0) {
    int log = ::open((home_ / "pmd.stderr").c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    ::dup2(log, 1);
    ::dup2(log, 2);
    ::setenv("PMD_HOME", home_.c_str(), 1);
    std::string pmd = (bin_dir() / "pmd").string();
    std::vector<char*> argv = {pmd.data(), const_cast<char*>("--no-daemon")};
    for (auto& a : pmd_args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ::execv(argv[0], argv.data());
    _exit(127);
  }
  bool ready = wait_until([&] { return socket_answers(home_ / "pmd.sock"); });
  if (!ready) FAIL("pmd did not start serving within the deadline:\n" << log_tail());
  auto ping = pmctl({"ping"});
  if (ping.exit_code != 0) FAIL("pmctl ping failed: " << ping.err << "\n" << log_tail());
}

Daemon::~Daemon() {
  if (pid_ > 0) terminate();
  // A daemon pmctl started meanwhile (after crash()), and an fd holder left keeping the apps of a
  // killed pmd: nothing of the test outlives it.
  if (socket_answers(home_ / "pmd.sock")) pmctl({"kill"});
  kill_leftover_holder();
  bool keep = std::getenv("PMD_TEST_KEEP") != nullptr;
  if (std::uncaught_exceptions() > 0 || keep) std::cerr << "--- pmd log (" << home_ << ") ---\n" << log_tail() << "\n";
  if (!keep) {
    std::error_code ec;
    fs::remove_all(home_, ec);
  }
}

void Daemon::crash(int signo) {
  if (pid_ > 0) {
    ::kill(pid_, signo);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
    return;
  }
  // A daemon the last pmctl started (not this process's child): found by its pid file.
  const std::string text = read_file(home_ / "pmd.pid");
  const pid_t pid = text.empty() ? -1 : std::atoi(text.c_str());
  if (pid <= 0 || !process_alive(pid)) FAIL("no pmd runs for " << home_ << " to crash");
  ::kill(pid, signo);
  if (!wait_until([&] { return !process_alive(pid); }, 10s)) FAIL("pmd " << pid << " outlived signal " << signo);
}

pid_t Daemon::holder_pid() const {
  const std::string wanted = std::string("pmd-holder") + '\0' + pmd::handover::holder_name(home_, ::getuid());
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    // A process can end between the listing and the reading (libstdc++ then throws from the read).
    try {
      std::ifstream in(entry.path() / "cmdline");
      std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      if (cmdline.rfind(wanted, 0) != 0) continue;
      std::ifstream stat(entry.path() / "stat");
      std::string pid_text, comm, state;
      stat >> pid_text >> comm >> state;
      if (state != "Z") return std::stoi(name);
    } catch (const std::exception&) {
      continue;
    }
  }
  return -1;
}

void Daemon::kill_leftover_holder() const {
  for (pid_t pid = holder_pid(); pid > 0; pid = holder_pid()) {
    ::kill(pid, SIGKILL);
    wait_until([&] { return holder_pid() != pid; }, 5s);
  }
}

int Daemon::terminate() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  int status = 0;
  bool exited = wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, 30s);
  if (!exited) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status, 0);
  }
  pid_ = -1;
  return exited && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

RunResult Daemon::pmctl(const std::vector<std::string>& args, RunOptions options) const {
  std::vector<std::string> argv = {(bin_dir() / "pmctl").string()};
  argv.insert(argv.end(), args.begin(), args.end());
  options.env["PMD_HOME"] = home_.string();
  return run_command(argv, options);
}

nlohmann::json Daemon::list() const {
  auto r = pmctl({"list", "--json"});
  if (r.exit_code != 0) FAIL("pmctl list --json failed: " << r.err);
  return nlohmann::json::parse(r.out);
}

nlohmann::json Daemon::instance(const std::string& name) const {
  for (auto& v : list())
    if (v["name"] == name) return v;
  return nullptr;
}

nlohmann::json Daemon::describe(const std::string& target) const {
  auto r = pmctl({"describe", target, "--json"});
  if (r.exit_code != 0) FAIL("pmctl describe failed: " << r.err);
  return nlohmann::json::parse(r.out).at(0);
}

bool Daemon::wait_status(const std::string& name, const std::string& status, std::chrono::milliseconds deadline) const {
  return wait_until(
      [&] {
        auto v = instance(name);
        return !v.is_null() && v["status"] == status;
      },
      deadline);
}

std::vector<nlohmann::json> json_reports(const Daemon& d, const std::string& app) {
  std::vector<nlohmann::json> out;
  std::istringstream in(read_file(d.home() / "logs" / (app + "-out.log")));
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] == '{') out.push_back(nlohmann::json::parse(line));
  return out;
}

std::string Daemon::log_tail() const {
  std::string log = read_file(home_ / "pmd.stderr");
  return log.size() > 4000 ? log.substr(log.size() - 4000) : log;
}

std::set<int> pids_of(const Daemon& d, const std::string& name) {
  std::set<int> pids;
  for (auto& v : d.list())
    if (v["name"] == name && v["pid"].is_number() && !v.value("retiring", false)) pids.insert(v["pid"].get<int>());
  return pids;
}

}  // namespace pmd::test
