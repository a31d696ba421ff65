// The systemd unit's text, every choice in it explained where it is made.
#include "systemd_unit.h"

namespace pmd::cli {

std::string unit_name(const UnitRequest& request) {
  if (!request.service_name.empty()) {
    const std::string suffix = ".service";
    const std::string& n = request.service_name;
    const bool has = n.size() > suffix.size() && n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0;
    return has ? n : n + suffix;
  }
  // root's is the one the package ships; an installed copy in /etc overrides it, as admins expect.
  if (request.scope == UnitRequest::Scope::kUser || request.user == "root") return "pmd.service";
  return "pmd-" + request.user + ".service";
}

std::string unit_text(const UnitRequest& r) {
  const bool system = r.scope == UnitRequest::Scope::kSystem;
  std::string t;
  t += "# pmd: starts at boot and brings back the apps of the last `pmctl save`.\n";
  t += "# `pmctl startup` installs it, `pmctl unstartup` removes it. Logs: journalctl ";
  t += system ? "-u " + unit_name(r) : "--user -u " + unit_name(r);
  t += "\n\n[Unit]\n";
  t += system ? "Description=pmd process manager (apps of " + r.user + ")\n" : "Description=pmd process manager\n";
  if (system) t += "Wants=network-online.target\nAfter=network-online.target\n";
  t += "\n[Service]\n";
  t += "# pmd says READY=1 once its socket serves and the saved apps are back, STOPPING=1 when it stops.\n";
  t += "Type=notify\n";
  t += "# Only pmd itself speaks for the service: its apps get pmd's own notify socket.\n";
  t += "NotifyAccess=main\n";
  if (system) t += "User=" + r.user + "\n";
  if (!r.pmd_home.empty()) t += "Environment=PMD_HOME=" + r.pmd_home + "\n";
  t += "ExecStart=" + r.pmd_path + " --no-daemon --resurrect\n";
  t += "# SIGTERM goes to pmd alone, which stops every app its own way (kill_signal, kill_timeout,\n";
  t += "# shutdown messages) and then exits. KillMode=process: when pmd itself dies (a crash, the OOM\n";
  t += "# killer, kill -9) systemd kills nothing else, so the apps keep serving, and the pmd that\n";
  t += "# Restart= starts adopts them from its fd holder. (mixed or control-group would kill every app\n";
  t += "# of the unit as soon as pmd's main process died.)\n";
  t += "KillMode=process\n";
  t += "TimeoutStopSec=90\n";
  t += "# pmd gives each app launch its own cgroup, so that stop and delete reach every descendant.\n";
  t += "Delegate=yes\n";
  t += "Restart=on-failure\n";
  t += "RestartSec=1\n";
  t += "# Status 3: a pmd already serves this PMD_HOME (started by hand); retrying cannot help.\n";
  t += "RestartPreventExitStatus=3\n";
  t += "# The apps' open-file limit (pmd passes its own starting limit on to them).\n";
  t += "LimitNOFILE=65536\n";
  t += "\n[Install]\n";
  t += system ? "WantedBy=multi-user.target\n" : "WantedBy=default.target\n";
  return t;
}

}  // namespace pmd::cli
