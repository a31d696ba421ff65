// `pmctl export systemd FILE`: reads an ecosystem file and writes (or prints) the units
// systemd_export.h makes of it.
#pragma once

#include <string>
#include <vector>

namespace pmd::cli {

struct ExportOptions {
  std::string format;  // "systemd"
  std::string file;
  std::string env_name;           // --env
  std::vector<std::string> only;  // --only a,b
  std::string to;                 // --to DIR: write the units there; empty: print them
  int cpus = 0;                   // --cpus N: `instances: max` on the target machine; 0: this one's
};

int run_export(const ExportOptions& options);

}  // namespace pmd::cli
