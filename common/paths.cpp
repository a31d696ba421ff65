// PMD_HOME resolution and safety checks.
#include "paths.h"

#include <pwd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace pmd {

std::filesystem::path default_home() {
  if (const char* env = std::getenv("PMD_HOME"); env && *env) return std::filesystem::absolute(env);
  if (const char* home = std::getenv("HOME"); home && *home) return std::filesystem::path(home) / ".pmd";
  if (const passwd* pw = getpwuid(getuid()); pw && pw->pw_dir) return std::filesystem::path(pw->pw_dir) / ".pmd";
  return std::filesystem::path("/tmp") / (".pmd-" + std::to_string(getuid()));
}

HomePaths home_paths(const std::filesystem::path& home) {
  return HomePaths{
      .home = home,
      .socket = home / "pmd.sock",
      .daemon_lock = home / "pmd.lock",
      .autostart_lock = home / "autostart.lock",
      .pid_file = home / "pmd.pid",
      .daemon_log = home / "pmd.log",
      .logs_dir = home / "logs",
      .dump = home / "dump.json",
      .settings = home / "pmd.yaml",
  };
}

namespace {

bool ours_or_roots(uid_t uid) { return uid == geteuid() || uid == 0; }

}  // namespace

std::string check_home_trust(const std::filesystem::path& home) {
  struct stat st {};
  if (::lstat(home.c_str(), &st) != 0)
    return errno == ENOENT ? std::string() : "cannot read " + home.string() + ": " + std::strerror(errno);
  const std::string refusing =
      "; refusing to use it (a daemon there could capture your requests and environment): use a PMD_HOME of your own";
  if (S_ISLNK(st.st_mode)) {
    if (!ours_or_roots(st.st_uid))
      return home.string() + " is a symlink owned by uid " + std::to_string(st.st_uid) + refusing;
    if (::stat(home.c_str(), &st) != 0)
      return errno == ENOENT ? std::string() : "cannot read " + home.string() + ": " + std::strerror(errno);
  }
  if (!S_ISDIR(st.st_mode)) return home.string() + " is not a directory (set PMD_HOME to a directory)";
  if (!ours_or_roots(st.st_uid))
    return home.string() + " belongs to uid " + std::to_string(st.st_uid) + ", not to you (uid " +
           std::to_string(geteuid()) + ")" + refusing;
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return home.string() + " is writable by other users" + refusing + " (or run: chmod 700 " + home.string() + ")";
  return {};
}

std::string ensure_private_dir(const std::filesystem::path& dir) {
  if (auto why = check_home_trust(dir); !why.empty()) return why;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return "cannot create " + dir.string() + ": " + ec.message() + " (set PMD_HOME to a writable directory)";
  // A directory we just created gets 0700 whatever the umask; an existing one is checked, not changed.
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) return "cannot read " + dir.string() + ": " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return dir.string() + " is not a directory (set PMD_HOME to a directory)";
  if (st.st_uid != geteuid())
    return dir.string() + " belongs to uid " + std::to_string(st.st_uid) + ", not to you (uid " +
           std::to_string(geteuid()) + "); use your own PMD_HOME";
  if (st.st_mode & (S_IWGRP | S_IWOTH))
    return dir.string() + " is writable by other users; run: chmod 700 " + dir.string();
  if ((st.st_mode & 0777) != 0700) ::chmod(dir.c_str(), 0700);
  return {};
}

std::string check_socket_path(const std::filesystem::path& socket) {
  constexpr std::size_t kMax = sizeof(sockaddr_un::sun_path) - 1;
  if (socket.native().size() > kMax)
    return "socket path " + socket.string() + " is " + std::to_string(socket.native().size()) +
           " bytes, longer than the " + std::to_string(kMax) + " a Unix socket allows (use a shorter PMD_HOME)";
  return {};
}

}  // namespace pmd
