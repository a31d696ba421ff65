#include "target_argument.h"

#include "interpreter.h"

#include <filesystem>

namespace pmd::cli {

namespace fs = std::filesystem;

std::string target_argument(const std::string& arg) {
  // Names never hold '/', so a '/' means a path; a bare "app.js" is a file only with an extension
  // pmd knows an interpreter for (the same table `start` uses).
  const bool looks_like_file = arg.find('/') != std::string::npos || !config::interpreter_for(arg).empty();
  if (!looks_like_file || (arg.size() > 2 && arg.front() == '/' && arg.back() == '/')) return arg;  // a /regex/
  std::error_code ec;
  if (!fs::is_regular_file(arg, ec)) return arg;
  return fs::absolute(arg, ec).lexically_normal().string();
}

}  // namespace pmd::cli
