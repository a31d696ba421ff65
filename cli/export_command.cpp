// pmctl export: load, map, write.
#include "export_command.h"

#include "ecosystem_file.h"
#include "session.h"
#include "start_options.h"
#include "systemd_export.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

namespace pmd::cli {

namespace fs = std::filesystem;

namespace {

// systemd looks a bare command up in a fixed list of directories, not in the user's PATH (nvm's
// node is elsewhere): the interpreter is written down as the exporting shell finds it.
std::string in_path(const std::string& program) {
  if (program.empty() || program.find('/') != std::string::npos) return program;
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    if (dir.empty()) continue;
    const fs::path candidate = fs::path(dir) / program;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  return program;
}

std::string pmd_next_to_pmctl() {
  std::error_code ec;
  const auto here = fs::read_symlink("/proc/self/exe", ec).parent_path() / "pmd";
  return !ec && ::access(here.c_str(), X_OK) == 0 ? here.string() : "/usr/bin/pmd";
}

}  // namespace

int run_export(const ExportOptions& options) {
  if (options.format != "systemd") {
    print_error("cannot export to '" + options.format + "': systemd is the format pmctl exports to");
    return kExitUsage;
  }
  config::LoadOptions lo;
  lo.env_name = options.env_name;
  lo.only = options.only;
  lo.starter_env = config::current_environment();
  lo.usable_cpus = options.cpus;
  lo.force_instances = true;  // the target decides how many it can take
  std::error_code ec;
  const fs::path file = fs::absolute(options.file, ec);
  config::Normalized n = config::load_ecosystem(file, lo);
  for (const auto& w : n.warnings) print_warning(w.format());
  for (const auto& e : n.errors) print_error(e.format());
  if (!n.errors.empty()) return kExitFailed;
  for (auto& app : n.apps) app.interpreter = in_path(app.interpreter);

  SystemdExport exported =
      export_systemd(n.apps, {file.lexically_normal().string(), options.env_name, pmd_next_to_pmctl()});
  for (const auto& note : exported.notes) print_warning(note);
  if (options.to.empty()) {
    for (const auto& unit : exported.units) std::cout << "### " << unit.name << "\n" << unit.text << "\n";
    return kExitOk;
  }
  fs::create_directories(options.to, ec);
  for (const auto& unit : exported.units) {
    const fs::path path = fs::path(options.to) / unit.name;
    std::ofstream out(path, std::ios::trunc);
    out << unit.text;
    if (!out.flush()) {
      print_error("cannot write " + path.string());
      return kExitFailed;
    }
    std::cout << "wrote " << path.string() << "\n";
  }
  std::cout << "then: systemctl daemon-reload && systemctl enable --now";
  for (const auto& unit : exported.units)
    if (unit.text.find("[Install]") != std::string::npos) std::cout << " " << unit.name;
  std::cout << "\n";
  return kExitOk;
}

}  // namespace pmd::cli
