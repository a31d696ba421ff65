// Becoming the one daemon of a PMD_HOME: the lock that makes it the only one, detaching from the
// terminal with a readiness report to whoever started it, and the pid file.
#pragma once

#include <filesystem>
#include <string>

namespace pmd {

/// pmd.log's line format (the foreground form adds "pmd" after the time).
inline constexpr const char* kDaemonLogPattern = "%Y-%m-%d %H:%M:%S.%e %^%l%$ %v";

/// Takes the exclusive lock on `lock_path` (flock, released by the kernel when the daemon dies,
/// however it dies). Returns the fd, or -1 with `error` set.
int acquire_daemon_lock(const std::filesystem::path& lock_path, const std::filesystem::path& pid_file,
                        std::string& error);

/// Binds the abstract socket name derived from `home` (handover::daemon_lock_name): held while
/// the daemon lives, whatever happens to the files in its home, so there is never a second
/// daemon for one home. Returns the fd, or -1 with `error` set; -2 when another user squats the
/// name (`error` says so; the flock still guards the home).
int acquire_home_name(const std::filesystem::path& home, const std::filesystem::path& pid_file, std::string& error);

/// Forks into the background (setsid, second fork, stdio on /dev/null). Returns only in the
/// daemon, with an fd on which to call report_ready(); the starting process stays until then and
/// exits 0 on readiness, or 1 printing the error the daemon reported.
int daemonize();

/// Tells the starting process that the daemon serves (empty `error`) or why it could not.
void report_ready(int& ready_fd, const std::string& error);

void write_pid_file(const std::filesystem::path& pid_file);

}  // namespace pmd
