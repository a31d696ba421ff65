#include "target_argument.h"

#include <array>
#include <filesystem>
#include <string_view>

namespace pmd::cli {

namespace fs = std::filesystem;

std::string target_argument(const std::string& arg) {
  static constexpr std::array<std::string_view, 10> kScriptExtensions = {".js", ".cjs", ".mjs", ".ts", ".py",
                                                                         ".sh", ".rb",  ".php", ".pl", ".exe"};
  // Names never hold '/', so a '/' means a path; a bare "app.js" is a file only with its extension.
  const bool looks_like_file = arg.find('/') != std::string::npos || [&] {
    for (auto ext : kScriptExtensions)
      if (arg.size() > ext.size() && arg.ends_with(ext)) return true;
    return false;
  }();
  if (!looks_like_file || (arg.size() > 2 && arg.front() == '/' && arg.back() == '/')) return arg;  // a /regex/
  std::error_code ec;
  if (!fs::is_regular_file(arg, ec)) return arg;
  return fs::absolute(arg, ec).lexically_normal().string();
}

}  // namespace pmd::cli
