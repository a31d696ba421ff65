// run_program.
#include "run_program.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace pmd::cli {

int run_program(const std::vector<std::string>& argv, const std::string& hint) {
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) {
    std::fprintf(stderr, "pmctl: error: cannot fork to run %s: %s\n", args[0], std::strerror(errno));
    return -1;
  }
  if (pid == 0) {
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "pmctl: error: cannot run %s: %s%s%s%s\n", args[0], std::strerror(errno),
                 hint.empty() ? "" : " (", hint.c_str(), hint.empty() ? "" : ")");
    _exit(127);
  }
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace pmd::cli
