// `pmctl startup` / `pmctl unstartup`: install (or remove) and enable the systemd unit that
// starts pmd at boot, for this user or, as root, for another.
#pragma once

#include <string>

namespace pmd::cli {

struct StartupOptions {
  std::string init_system;   // "" or "systemd": the only one pmd supports
  std::string user;          // run pmd as this account ("" = the caller)
  bool print = false;        // print the unit instead of installing it
  std::string root;          // install into this root file system, offline (an image being built)
  std::string service_name;  // --service-name (PM2's): the unit's name
  std::string home_path;     // --hp (PM2's): the account's home; pmd's home is <it>/.pmd
};

int run_startup(const StartupOptions& options);
int run_unstartup(const StartupOptions& options);

}  // namespace pmd::cli
