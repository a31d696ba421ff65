// Dump encoding and validation.
#include "store/dump_format.h"

#include "bounded_json.h"

#include "jsonrpc.h"

#include <algorithm>
#include <array>

namespace pmd {

using nlohmann::json;

namespace {

// Set by a login, a terminal or a shell for that session only; an app that read one of these at
// boot would see a session that no longer exists (an SSH agent socket, a display, a runtime dir).
constexpr std::array kSessionVariables = {"TERM",
                                          "COLORTERM",
                                          "DISPLAY",
                                          "WAYLAND_DISPLAY",
                                          "WINDOWID",
                                          "OLDPWD",
                                          "PWD",
                                          "SHLVL",
                                          "_",
                                          "XDG_RUNTIME_DIR",
                                          "DBUS_SESSION_BUS_ADDRESS",
                                          "TMUX",
                                          "TMUX_PANE",
                                          "STY",
                                          "WINDOW",
                                          "GPG_TTY",
                                          "LINES",
                                          "COLUMNS",
                                          "PS1",
                                          "PROMPT_COMMAND",
                                          "MAIL",
                                          "HISTFILE",
                                          "INVOCATION_ID",
                                          "JOURNAL_STREAM",
                                          "NOTIFY_SOCKET",
                                          "LISTEN_FDS",
                                          "LISTEN_PID",
                                          "LISTEN_FDNAMES",
                                          "PMD_UNIT"};
constexpr std::array kSessionPrefixes = {"SSH_",     "XDG_SESSION_",    "TERM_PROGRAM", "SUDO_", "VTE_",
                                         "KONSOLE_", "GNOME_TERMINAL_", "ITERM_",       "WT_",   "LC_TERMINAL"};

}  // namespace

bool is_session_variable(std::string_view name) {
  if (std::find(kSessionVariables.begin(), kSessionVariables.end(), name) != kSessionVariables.end()) return true;
  return std::any_of(kSessionPrefixes.begin(), kSessionPrefixes.end(),
                     [&](std::string_view prefix) { return name.substr(0, prefix.size()) == prefix; });
}

Env without_session_variables(const Env& env) {
  Env out;
  for (const auto& [name, value] : env)
    if (!is_session_variable(name)) out.emplace(name, value);
  return out;
}

std::string encode_dump(const std::vector<DumpEntry>& entries, std::string_view pmd_version,
                        std::string_view saved_at) {
  json apps = json::array();
  for (const auto& entry : entries) {
    AppSpec spec = entry.spec;
    spec.base_env = without_session_variables(spec.base_env);
    apps.push_back({{"running", entry.running}, {"spec", to_json(spec)}});
  }
  json dump{{"format", kDumpFormat}, {"pmd_version", pmd_version}, {"saved_at", saved_at}, {"apps", apps}};
  return json_text(dump, 2) + "\n";
}

std::variant<std::vector<DumpEntry>, DumpError> decode_dump(std::string_view text) {
  auto damaged = [](std::string why) { return DumpError{DumpError::kDamaged, std::move(why)}; };
  if (text.find_first_not_of(" \t\r\n") == std::string_view::npos) return damaged("it is empty");
  BoundedJson parsed = parse_json_bounded(text);
  if (parsed.status != BoundedJson::kOk) return damaged("it is not valid JSON (truncated or damaged)");
  json& dump = parsed.value;
  if (!dump.is_object() || !dump.contains("format") || !dump["format"].is_number_integer() || !dump.contains("apps") ||
      !dump["apps"].is_array())
    return damaged("it is not a pmd dump (no \"format\" and \"apps\")");
  const int format = dump["format"].get<int>();
  if (format > kDumpFormat) {
    return DumpError{DumpError::kTooNew,
                     "it was written by pmd " +
                         (dump["pmd_version"].is_string() ? dump["pmd_version"].get<std::string>() : "?") +
                         " in dump format " + std::to_string(format) + ", newer than this pmd reads (" +
                         std::to_string(kDumpFormat) + "): upgrade pmd, or save again with this one"};
  }
  std::vector<DumpEntry> entries;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < dump["apps"].size(); ++i) {
    const json& app = dump["apps"][i];
    const std::string where = "app " + std::to_string(i + 1);
    if (!app.is_object() || !app.contains("spec")) return damaged(where + " has no \"spec\"");
    DumpEntry entry;
    try {
      entry.spec = app_spec_from_json(app["spec"]);
    } catch (const rpc::Error& e) {
      return damaged(where + ": " + e.what());
    }
    if (std::find(names.begin(), names.end(), entry.spec.name) != names.end())
      return damaged(where + ": the name '" + entry.spec.name + "' appears twice");
    names.push_back(entry.spec.name);
    entry.running = !app.contains("running") || app["running"] != false;
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace pmd
