// `pmctl export systemd FILE`: an ecosystem file's apps as systemd units, so that apps can move
// from pmd to systemd keeping their meaning. Pure: specs in, unit files out (the command reads the
// file and writes or prints them). What systemd cannot express is said, never silently dropped.
#pragma once

#include "app_spec.h"

#include <string>
#include <vector>

namespace pmd::cli {

struct ExportedUnit {
  std::string name;  // "api.service", "api@.service", "api.socket", "api.target"
  std::string text;
};

struct SystemdExport {
  std::vector<ExportedUnit> units;
  std::vector<std::string> notes;  // what was not carried over, and why (printed as warnings)
};

struct SystemdExportRequest {
  std::string ecosystem_file;  // absolute: `pmd run` units read their app from it
  std::string env_name;        // --env, repeated on `pmd run` lines
  std::string pmd_path;        // absolute path of pmd, for apps that need it
};

/// The units for `apps`. Per app:
/// - one instance, no shared socket: `<name>.service`;
/// - several instances: a template `<name>@.service` (the instance number is `%i` and
///   instance_var) and `<name>.target` that wants each instance;
/// - cluster mode with a port or address, not Node: `<name>.socket` as well, passed to every
///   instance (systemd's socket activation is the LISTEN_FDS contract pmd gives);
/// - Node in cluster mode, or relying on the IPC channel (wait_ready, shutdown_with_message):
///   `<name>.service` running `pmd run FILE --only <name>`, since Node's listen() and
///   process.send() need pmd in between.
SystemdExport export_systemd(const std::vector<AppSpec>& apps, const SystemdExportRequest& request);

/// An app name as the prefix of its unit names, escaped as systemd-escape does: anything but
/// ASCII letters, digits, ':', '_', '-' and a '.' not in front becomes \xNN ('@' separates a
/// template's instance, so "a@b" must not pass as it is).
std::string unit_prefix(const std::string& app_name);

/// One word of a command line or a value as systemd reads it: quoted, with `\`, `"`, `%` (a
/// specifier) and `$` (a variable, in Exec lines) escaped.
std::string systemd_quote(const std::string& word, bool in_exec_line);

}  // namespace pmd::cli
