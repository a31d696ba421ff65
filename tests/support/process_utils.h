// Helpers for integration tests: run a command and capture its output, wait on a condition with a
// deadline, and look at processes through /proc.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pmd::test {

using namespace std::chrono_literals;

struct RunResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

struct RunOptions {
  std::map<std::string, std::string> env;  // added to (or replacing in) this process's environment
  std::optional<uid_t> as_uid;             // setuid before exec (tests running as root)
  std::string cwd;
  std::string stdin_path;  // "" = /dev/null
};

RunResult run_command(const std::vector<std::string>& argv, const RunOptions& options = {});

/// Polls `condition` until it holds or `deadline` passes; returns its last value.
bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds deadline = 15s);

/// True if the pid exists and is not a zombie.
bool process_alive(pid_t pid);
int count_open_fds(pid_t pid);
std::vector<pid_t> zombie_children_of(pid_t parent);
/// Pids whose command line contains every one of `needles`.
std::vector<pid_t> pids_with_cmdline(const std::vector<std::string>& needles);

std::string read_file(const std::filesystem::path& path);

/// An integer uid that is not ours (nobody), or nullopt when the tests cannot switch users.
std::optional<uid_t> other_user();

}  // namespace pmd::test
