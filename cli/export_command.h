// `pmctl export systemd|kubernetes|compose FILE`: reads an ecosystem file and writes (or
// prints) what systemd_export.h, kubernetes_export.h or compose_export.h make of it.
#pragma once

#include <string>
#include <vector>

namespace pmd::cli {

struct ExportOptions {
  std::string format;  // "systemd", "kubernetes" (or "k8s"), "compose"
  std::string file;
  std::string env_name;           // --env
  std::vector<std::string> only;  // --only a,b
  std::string to;                 // --to DIR: write the units there; empty: print them
  int cpus = 0;                   // --cpus N: `instances: max` on the target machine; 0: this one's
  std::string image;              // --image IMG (kubernetes, compose)
};

int run_export(const ExportOptions& options);

}  // namespace pmd::cli
