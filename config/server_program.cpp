// Server program recognition.
#include "server_program.h"

#include <algorithm>
#include <array>
#include <filesystem>

namespace pmd::config {

namespace {

constexpr int kSigterm = 15;

std::optional<ServerProgram> known(const std::string& name) {
  if (name == "gunicorn") return ServerProgram{"gunicorn", kSigterm, "notify", {}, {}};
  if (name == "uvicorn")
    return ServerProgram{"uvicorn", kSigterm, "", {"--fd", "3"}, {"--fd", "--uds", "--host", "--port"}};
  if (name == "puma")
    return ServerProgram{"puma",
                         kSigterm,
                         "",
                         {"--bind-to-activated-sockets", "only"},
                         {"--bind-to-activated-sockets", "-b", "--bind", "-p", "--port"}};
  return std::nullopt;
}

// "gunicorn", "gunicorn3", "/srv/venv/bin/uvicorn" -> the program's name.
std::string program_name(const std::string& path) {
  std::string base = std::filesystem::path(path).filename().string();
  while (!base.empty() && std::isdigit(static_cast<unsigned char>(base.back()))) base.pop_back();
  return base;
}

bool is_python(const std::string& path) { return program_name(path).rfind("python", 0) == 0; }

// `-m module` at the front of a Python argv.
std::optional<ServerProgram> python_module(const std::vector<std::string>& args) {
  if (args.size() >= 2 && args[0] == "-m") return known(args[1]);
  return std::nullopt;
}

}  // namespace

std::optional<ServerProgram> recognise_server(const std::string& script, const std::string& interpreter,
                                              const std::vector<std::string>& args,
                                              const std::vector<std::string>& interpreter_args) {
  if (interpreter.empty()) {
    if (auto p = known(program_name(script))) return p;
    if (is_python(script)) return python_module(args);
    // bundle exec puma ...
    if (program_name(script) == "bundle" && args.size() >= 2 && args[0] == "exec") return known(program_name(args[1]));
    return std::nullopt;
  }
  if (auto p = known(program_name(interpreter))) return p;  // interpreter: gunicorn, script: the app
  if (auto p = known(program_name(script))) return p;       // interpreter: python3, script: .../bin/gunicorn
  if (is_python(interpreter)) return python_module(interpreter_args);
  return std::nullopt;
}

std::string listen_argument_in(const ServerProgram& program, const std::vector<std::string>& args) {
  for (const auto& arg : args)
    for (const auto& option : program.binds_itself) {
      // "--port", "--port=8000", "-p8000"
      if (arg == option || arg.rfind(option + "=", 0) == 0) return option;
      if (option.size() == 2 && arg.size() > 2 && arg.rfind(option, 0) == 0) return option;
    }
  return {};
}

}  // namespace pmd::config
