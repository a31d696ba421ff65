// PATH search.
#include "executable_lookup.h"

#include <algorithm>
#include <fstream>

#include <sys/stat.h>
#include <unistd.h>

namespace pmd::config {
namespace {

bool is_executable_file(const std::filesystem::path& p) {
  struct stat st {};
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

}  // namespace

std::optional<std::filesystem::path> find_executable(const std::string& name, const std::string& path_var,
                                                     const std::filesystem::path& cwd) {
  if (name.empty()) return std::nullopt;
  if (name.find('/') != std::string::npos) {
    auto p = std::filesystem::path(name).is_absolute() ? std::filesystem::path(name) : cwd / name;
    p = p.lexically_normal();
    return is_executable_file(p) ? std::optional(p) : std::nullopt;
  }
  std::string::size_type start = 0;
  while (start <= path_var.size()) {
    auto end = path_var.find(':', start);
    if (end == std::string::npos) end = path_var.size();
    std::filesystem::path dir = path_var.substr(start, end - start);
    if (dir.empty())
      dir = cwd;
    else if (dir.is_relative())
      dir = cwd / dir;
    auto candidate = (dir / name).lexically_normal();
    if (is_executable_file(candidate)) return candidate;
    start = end + 1;
  }
  return std::nullopt;
}

bool looks_like_text(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  char head[4096];
  in.read(head, sizeof head);
  return std::find(head, head + in.gcount(), '\0') == head + in.gcount();
}

}  // namespace pmd::config
