// Where pmd keeps its files: PMD_HOME and everything inside it, and the checks that make the
// directory safe to trust (owned by us, not writable by others, short enough for a socket path).
#pragma once

#include <filesystem>
#include <string>

namespace pmd {

/// Exit status of `pmd` when another daemon already holds the lock of its PMD_HOME; pmctl's
/// autostart reads it to wait for that daemon instead of failing.
inline constexpr int kExitDaemonAlreadyRunning = 3;

struct HomePaths {
  std::filesystem::path home;
  std::filesystem::path socket;          // pmd.sock: the JSON-RPC endpoint
  std::filesystem::path daemon_lock;     // pmd.lock: held by the one running daemon
  std::filesystem::path autostart_lock;  // autostart.lock: serialises pmctl starting a daemon
  std::filesystem::path pid_file;        // pmd.pid: informational only; the lock is the truth
  std::filesystem::path daemon_log;      // pmd.log
  std::filesystem::path logs_dir;        // logs/: app output
  std::filesystem::path dump;            // dump.json: what `pmctl save` wrote (dump.json.bak: the save before)
  std::filesystem::path settings;        // pmd.yaml: the daemon's own settings (optional)
};

/// $PMD_HOME if set, else $HOME/.pmd, else the passwd entry's home + /.pmd.
std::filesystem::path default_home();

HomePaths home_paths(const std::filesystem::path& home);

/// Creates the directory (mode 0700) if missing. Returns an empty string when it is safe to use,
/// otherwise a sentence saying what is wrong and what to do.
std::string ensure_private_dir(const std::filesystem::path& dir);

/// Before talking to whatever answers in `home`: an empty string when the home is missing (it
/// will be made) or trustworthy — a directory (or a symlink owned by us or root to one) owned by
/// us or root and writable by nobody else. Otherwise why not: another user could have placed a
/// fake daemon there to receive our requests and environment.
std::string check_home_trust(const std::filesystem::path& home);

/// Returns an empty string if the path fits in sockaddr_un::sun_path, else an actionable error.
std::string check_socket_path(const std::filesystem::path& socket);

}  // namespace pmd
