#include "process/pid_file.h"

#include "process/app_file.h"
#include "write_fully.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace pmd {

std::string instance_pid_path(const std::string& pid_file, int id) {
  const std::string suffix = ".pid";
  const bool has_suffix =
      pid_file.size() > suffix.size() && pid_file.compare(pid_file.size() - suffix.size(), suffix.size(), suffix) == 0;
  const std::string stem = has_suffix ? pid_file.substr(0, pid_file.size() - suffix.size()) : pid_file;
  return stem + "-" + std::to_string(id) + (has_suffix ? suffix : "");
}

std::string write_pid_file(const std::string& path, const AppCredentials& owner, pid_t pid) {
  AppFile file(path, owner);
  const int fd = file.open_append();
  if (fd < 0) return "cannot write the pid file " + path + ": " + std::strerror(errno);
  const std::string text = std::to_string(pid) + "\n";
  if (::ftruncate(fd, 0) != 0 || write_fully(fd, text) != text.size())
    return "cannot write the pid file " + path + ": " + std::strerror(errno);
  return "";
}

void remove_pid_file(const std::string& path, const AppCredentials& owner) {
  AppFile file(path, owner);
  file.remove_suffix("");
}

}  // namespace pmd
