// The shared rules of the export formats.
#include "export_rules.h"

#include "interpreter.h"

#include <algorithm>
#include <cctype>

namespace pmd::cli {

bool uses_ipc_channel(const AppSpec& app) {
  return config::is_node_interpreter(app.interpreter) &&
         (app.wait_ready || app.ready_on == "message" || app.shutdown_with_message);
}

namespace {
int port_number(const std::string& text) {
  if (text.empty() || text.size() > 5 || !std::all_of(text.begin(), text.end(), ::isdigit)) return 0;
  const int port = std::stoi(text);
  return port <= 65535 ? port : 0;
}
}  // namespace

int served_port(const AppSpec& app) {
  if (app.port > 0) return app.port;
  if (!app.listen.empty() && app.listen.front() != '/') {
    const auto colon = app.listen.rfind(':');
    return port_number(colon == std::string::npos ? app.listen : app.listen.substr(colon + 1));
  }
  if (auto it = app.env.find("PORT"); it != app.env.end()) return port_number(it->second);
  return 0;
}

std::vector<std::string> pmd_run_argv(const AppSpec& app, const std::string& pmd, const std::string& ecosystem_file,
                                      const std::string& env_name) {
  std::vector<std::string> argv = {pmd, "run", ecosystem_file, "--only", app.name};
  if (!env_name.empty()) argv.insert(argv.end(), {"--env", env_name});
  return argv;
}

std::string default_image(const AppSpec& app) {
  const std::string program = app.interpreter.empty() ? app.script : app.interpreter;
  const std::string base = program.substr(program.rfind('/') + 1);
  if (config::is_node_interpreter(app.interpreter)) return "node:20-bookworm-slim";
  if (base.rfind("python", 0) == 0 || base == "gunicorn" || base == "uvicorn") return "python:3.11-slim-bookworm";
  if (base.rfind("ruby", 0) == 0 || base == "puma" || base == "bundle") return "ruby:3.1-slim-bookworm";
  if (base == "php") return "php:8.2-cli-bookworm";
  return "debian:bookworm-slim";
}

}  // namespace pmd::cli
