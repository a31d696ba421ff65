// Extension -> interpreter table.
#include "interpreter.h"

#include <array>
#include <utility>

namespace pmd::config {

std::string interpreter_for(std::string_view script) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 8> kTable{{
      {".js", "node"},
      {".cjs", "node"},
      {".mjs", "node"},
      {".py", "python3"},
      {".sh", "bash"},
      {".rb", "ruby"},
      {".php", "php"},
      {".pl", "perl"},
  }};
  auto slash = script.rfind('/');
  std::string_view base = slash == std::string_view::npos ? script : script.substr(slash + 1);
  auto dot = base.rfind('.');
  if (dot == std::string_view::npos || dot == 0) return {};
  std::string_view ext = base.substr(dot);
  for (auto& [e, interp] : kTable)
    if (e == ext) return std::string(interp);
  return {};
}

bool is_node_interpreter(std::string_view interpreter) {
  auto slash = interpreter.rfind('/');
  std::string_view program = slash == std::string_view::npos ? interpreter : interpreter.substr(slash + 1);
  return program == "node" || program == "nodejs";
}

bool is_no_interpreter(std::string_view interpreter) { return interpreter == "none" || interpreter == ""; }

}  // namespace pmd::config
