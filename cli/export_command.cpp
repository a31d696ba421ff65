// pmctl export: load, map, write.
#include "export_command.h"

#include "compose_export.h"
#include "ecosystem_file.h"
#include "kubernetes_export.h"
#include "session.h"
#include "start_options.h"
#include "systemd_export.h"
#include "yaml_output.h"

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

// Kubernetes manifests or a Compose file: one YAML text, printed or written into --to.
int write_yaml(const ExportOptions& options, const std::string& file_name, const std::string& text,
               const std::string& then) {
  if (options.to.empty()) {
    std::cout << text;
    return kExitOk;
  }
  std::error_code ec;
  fs::create_directories(options.to, ec);
  const fs::path path = fs::path(options.to) / file_name;
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out.flush()) {
    print_error("cannot write " + path.string());
    return kExitFailed;
  }
  std::cout << "wrote " << path.string() << "\nthen: " << then << " " << path.string() << "\n";
  return kExitOk;
}

}  // namespace

int run_export(const ExportOptions& options) {
  const bool k8s = options.format == "kubernetes" || options.format == "k8s";
  if (options.format != "systemd" && !k8s && options.format != "compose") {
    print_error("cannot export to '" + options.format + "': pmctl exports to systemd, kubernetes or compose");
    return kExitUsage;
  }
  if (!options.image.empty() && options.format == "systemd") {
    print_error("--image is for kubernetes and compose: systemd runs the app from this machine's files");
    return kExitUsage;
  }
  config::LoadOptions lo;
  lo.env_name = options.env_name;
  lo.only = options.only;
  lo.starter_env = config::current_environment();
  // `instances: max` counts the target's CPUs: --cpus, else this machine's; a Kubernetes
  // replica is a pod, so there it counts one unless told (an autoscaler decides how many).
  lo.usable_cpus = options.cpus > 0 ? options.cpus : k8s ? 1 : 0;
  lo.force_instances = true;  // the target decides how many it can take
  std::error_code ec;
  const fs::path file = fs::absolute(options.file, ec);
  config::Normalized n = config::load_ecosystem(file, lo);
  for (const auto& w : n.warnings) print_warning(w.format());
  for (const auto& e : n.errors) print_error(e.format());
  if (!n.errors.empty()) return kExitFailed;
  const std::string header = "from " + file.lexically_normal().string() + " by pmctl export " +
                             (k8s ? std::string("kubernetes") : options.format) +
                             (options.env_name.empty() ? "" : " --env " + options.env_name);
  if (k8s) {
    auto exported = export_kubernetes(n.apps, {options.image, file.lexically_normal().string(), options.env_name});
    for (const auto& note : exported.notes) print_warning(note);
    return write_yaml(options, "kubernetes.yaml", yaml_documents(exported.manifests, {header}), "kubectl apply -f");
  }
  if (options.format == "compose") {
    auto exported = export_compose(n.apps, {options.image, file.lexically_normal().string(), options.env_name});
    for (const auto& note : exported.notes) print_warning(note);
    return write_yaml(options, "compose.yaml", yaml_documents({exported.document}, {header}),
                      "docker compose up -d -f");
  }
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
