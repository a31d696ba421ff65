// One real pmd for one test: a short temporary PMD_HOME, `pmd --no-daemon` started and waited
// for, pmctl run against it, and everything stopped and removed afterwards. PMD_TEST_KEEP=1
// keeps the directory (and prints where) for a post-mortem.
#pragma once

#include "process_utils.h"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <set>
#include <string>
#include <vector>

namespace pmd::test {

std::filesystem::path bin_dir();
std::filesystem::path fixture(const std::string& name);

class Daemon {
 public:
  Daemon() : Daemon(std::vector<std::string>{}) {}
  /// `pmd --no-daemon` with these further arguments (e.g. --metrics).
  explicit Daemon(std::vector<std::string> pmd_args);
  /// The same on a home of the caller's choosing (removed afterwards like the others).
  Daemon(std::vector<std::string> pmd_args, std::filesystem::path home);
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  RunResult pmctl(const std::vector<std::string>& args, RunOptions options = {}) const;
  /// `pmctl list --json`, parsed.
  nlohmann::json list() const;
  /// The list entry of the first instance of `name` (null if absent).
  nlohmann::json instance(const std::string& name) const;
  /// `pmctl describe <target> --json`, first instance.
  nlohmann::json describe(const std::string& target) const;
  /// Waits until `name`'s first instance has `status`.
  bool wait_status(const std::string& name, const std::string& status, std::chrono::milliseconds deadline = 15s) const;

  /// Sends SIGTERM and waits for the daemon to exit; returns its exit status.
  int terminate();
  /// Stops this daemon (SIGTERM) and starts a new one on the same home, as after a reboot.
  void restart(std::vector<std::string> pmd_args = {});
  /// Sends `signo` (SIGKILL, SIGABRT...) to pmd (this fixture's, or the one the last pmctl
  /// started) and waits until it is gone: pmd dies, the apps do not. The
  /// next pmctl command starts a daemon, or start_again() does (as systemd's Restart= would).
  void crash(int signo);
  void start_again(std::vector<std::string> pmd_args = {}) { launch(std::move(pmd_args)); }
  /// The fd holder of this home (-1 if none runs).
  pid_t holder_pid() const;

  pid_t pid() const { return pid_; }
  const std::filesystem::path& home() const { return home_; }
  std::string log_tail() const;

 private:
  void launch(std::vector<std::string> pmd_args);
  void kill_leftover_holder() const;

  std::filesystem::path home_;
  pid_t pid_ = -1;
};

/// The JSON lines an app printed on stdout (its out log), oldest first: fixtures such as hello.js
/// report what they saw that way.
std::vector<nlohmann::json> json_reports(const Daemon& d, const std::string& app);

/// The pids of `name`'s instances now serving (not those being retired by a reload).
std::set<int> pids_of(const Daemon& d, const std::string& name);

/// A fresh temporary directory for tests that manage their own daemon.
std::filesystem::path make_temp_home();

}  // namespace pmd::test
