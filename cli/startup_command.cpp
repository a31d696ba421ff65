// pmctl startup / unstartup: where the unit goes and which systemctl calls enable it.
#include "startup_command.h"

#include "daemon_connection.h"
#include "executable_lookup.h"
#include "paths.h"
#include "run_program.h"
#include "session.h"
#include "systemd_unit.h"

#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <optional>
#include <set>
#include <vector>

namespace pmd::cli {

namespace fs = std::filesystem;

namespace {

// Where the unit is installed and how systemctl is asked to act on it.
struct Target {
  UnitRequest unit;
  fs::path dir;                        // directory of the unit file
  std::vector<std::string> systemctl;  // "systemctl" plus --user / --root=DIR
  bool offline = false;                // --root: no running systemd involved
};

std::string current_user_name() {
  if (const passwd* pw = ::getpwuid(::geteuid())) return pw->pw_name;
  return std::to_string(::geteuid());
}

std::string joined(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Runs systemctl; on failure says which command failed and what that leaves behind.
bool systemctl(const Target& t, std::vector<std::string> args, const std::string& left_behind) {
  std::vector<std::string> argv = t.systemctl;
  argv.insert(argv.end(), args.begin(), args.end());
  if (run_program(argv) == 0) return true;
  std::string message = "`";
  message += joined(argv);
  message += "` failed; ";
  message += left_behind;
  print_error(message);
  return false;
}

// Is systemd the init of this machine (sd_booted's test)?
bool systemd_is_running() { return fs::exists("/run/systemd/system"); }

std::optional<std::string> absolute_pmd() {
  std::string pmd = pmd_binary();
  if (fs::path(pmd).is_absolute()) return pmd;
  const char* path = std::getenv("PATH");
  if (auto found = config::find_executable(pmd, path ? path : "", fs::current_path())) return found->string();
  return std::nullopt;
}

// Works out scope, account, unit and directory; prints why not and returns nullopt if it can't.
std::optional<Target> resolve_target(const StartupOptions& o) {
  // PM2 also takes the distribution's name; on the ones it names, that is systemd today.
  static const std::set<std::string> kSystemd = {"",       "systemd", "ubuntu", "debian", "centos",
                                                 "redhat", "fedora",  "amazon", "rhel",   "rocky"};
  if (!kSystemd.count(o.init_system)) {
    print_error("pmd starts at boot through systemd only ('" + o.init_system +
                "' is not supported: pmd targets systemd); elsewhere, have your init system run `pmd --no-daemon "
                "--resurrect`");
    return std::nullopt;
  }
  if (!o.service_name.empty() &&
      o.service_name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.@") !=
          std::string::npos) {
    print_error("--service-name '" + o.service_name + "' is not a unit name (letters, digits, - _ . @)");
    return std::nullopt;
  }
  const bool root = ::geteuid() == 0;
  const std::string me = current_user_name();
  Target t;
  t.unit.user = o.user.empty() ? me : o.user;
  if (!root && t.unit.user != me) {
    std::string self = fs::read_symlink("/proc/self/exe").string();
    print_error("installing pmd for another account needs root: run `sudo " + self + " startup --user " + t.unit.user +
                "`");
    return std::nullopt;
  }
  const passwd* account = ::getpwnam(t.unit.user.c_str());
  if (!account) {
    print_error("no account named '" + t.unit.user + "' on this machine (see /etc/passwd)");
    return std::nullopt;
  }
  auto pmd = absolute_pmd();
  if (!pmd) {
    print_error("cannot find the pmd binary next to pmctl or on PATH; set PMD_BIN to its absolute path");
    return std::nullopt;
  }
  t.unit.pmd_path = *pmd;
  // The daemon at boot must serve the home this user's pmctl talks to: only a home chosen with
  // PMD_HOME needs saying; the default (~/.pmd) follows from the account.
  if (const char* home = std::getenv("PMD_HOME"); home && *home && t.unit.user == me)
    t.unit.pmd_home = fs::absolute(home).string();
  // PM2's --hp names the account's home; its pmd home is .pmd there.
  if (!o.home_path.empty()) t.unit.pmd_home = (fs::absolute(o.home_path) / ".pmd").string();
  t.unit.service_name = o.service_name;
  t.offline = !o.root.empty();
  if (root) {
    t.unit.scope = UnitRequest::Scope::kSystem;
    t.dir = fs::path(o.root.empty() ? "/" : o.root) / "etc/systemd/system";
    t.systemctl = {"systemctl"};
    if (t.offline) t.systemctl.push_back(std::string("--root=") + fs::absolute(o.root).string());
  } else {
    if (t.offline) {
      print_error("--root installs a system unit into an image and needs root");
      return std::nullopt;
    }
    t.unit.scope = UnitRequest::Scope::kUser;
    const char* config = std::getenv("XDG_CONFIG_HOME");
    t.dir = (config && *config ? fs::path(config) : fs::path(account->pw_dir) / ".config") / "systemd/user";
    t.systemctl = {"systemctl", "--user"};
  }
  return t;
}

void write_unit(const fs::path& file, const std::string& text) {
  fs::create_directories(file.parent_path());
  const fs::path temp = file.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::trunc);
    out << text;
    out.flush();
    if (!out) throw std::runtime_error("cannot write " + temp.string());
  }
  ::chmod(temp.c_str(), 0644);
  fs::rename(temp, file);
}

std::string saved_apps_hint(const Target& t) {
  std::error_code ec;
  fs::path home =
      t.unit.pmd_home.empty() ? fs::path(::getpwnam(t.unit.user.c_str())->pw_dir) / ".pmd" : fs::path(t.unit.pmd_home);
  if (fs::exists(home / "dump.json", ec))
    return "the apps of the last `pmctl save` (" + (home / "dump.json").string() + ")";
  return "the apps you save with `pmctl save` (nothing is saved yet)";
}

}  // namespace

int run_startup(const StartupOptions& o) {
  auto target = resolve_target(o);
  if (!target) return kExitFailed;
  const Target& t = *target;
  const std::string name = unit_name(t.unit);
  const std::string text = unit_text(t.unit);
  const fs::path file = t.dir / name;
  if (o.print) {
    std::cout << text;
    return kExitOk;
  }
  if (!t.offline && !systemd_is_running()) {
    std::cerr << "pmctl: systemd is not running on this machine (no /run/systemd/system: a container or chroot?), so "
                 "nothing was installed.\n"
                 "In a container, run pmd in the foreground instead: `pmd run ecosystem.config.js`.\n"
                 "On a machine booted with systemd, install this unit as "
              << file.string() << " and run:\n  " << joined(t.systemctl) << " daemon-reload\n  " << joined(t.systemctl)
              << " enable " << name << "\n\n";
    std::cout << text;
    return kExitFailed;
  }
  try {
    write_unit(file, text);
  } catch (const std::exception& e) {
    print_error(std::string(e.what()) + " (run as root for a system unit, or check the directory's permissions)");
    return kExitFailed;
  }
  std::cout << "wrote " << file.string() << "\n";
  if (!t.offline && !systemctl(t, {"daemon-reload"}, "the unit is written but not enabled")) return kExitFailed;
  if (!systemctl(t, {"enable", name}, "the unit is written but not enabled")) return kExitFailed;
  if (t.unit.scope == UnitRequest::Scope::kUser && run_program({"loginctl", "enable-linger", t.unit.user}) != 0)
    print_warning("`loginctl enable-linger " + t.unit.user +
                  "` failed: without lingering, your user manager (and pmd) "
                  "starts at your first login, not at boot; ask an admin to run it");
  std::cout << "enabled " << name << ": at boot pmd starts as " << t.unit.user << " and restores " << saved_apps_hint(t)
            << ".\n";
  if (!t.offline)
    std::cout << "To hand the apps running now to systemd at once: pmctl save && pmctl kill && " << joined(t.systemctl)
              << " start " << name << "\n";
  return kExitOk;
}

int run_unstartup(const StartupOptions& o) {
  auto target = resolve_target(o);
  if (!target) return kExitFailed;
  const Target& t = *target;
  const std::string name = unit_name(t.unit);
  const fs::path file = t.dir / name;
  std::error_code ec;
  if (!fs::exists(file, ec)) {
    std::cout << "no pmd unit at " << file.string() << "; nothing to remove\n";
    return kExitOk;
  }
  const bool can_ask_systemd = t.offline || systemd_is_running();
  if (can_ask_systemd && !systemctl(t, {"disable", name}, "the unit was left in place")) return kExitFailed;
  if (!fs::remove(file, ec) || ec) {
    print_error("cannot remove " + file.string() + ": " + ec.message());
    return kExitFailed;
  }
  if (!t.offline && can_ask_systemd)
    systemctl(t, {"daemon-reload"}, "systemd still knows the removed unit until its next reload");
  std::cout << "removed " << file.string()
            << (can_ask_systemd ? " and disabled " + name : " (systemd is not running here)")
            << "; pmd will not start at boot. A pmd running now keeps running until `pmctl kill`.\n";
  return kExitOk;
}

}  // namespace pmd::cli
