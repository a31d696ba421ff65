// The dump file of `pmctl save` / `pmctl resurrect`: what goes in it and how it is read back.
// Pure: text in, text out; the state store does the file work.
#pragma once

#include "app_spec.h"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace pmd {

/// Bumped when a dump written by this pmd could not be read correctly by an older one.
inline constexpr int kDumpFormat = 1;

/// One saved app: its spec (instance count included) and whether it should run after resurrect.
struct DumpEntry {
  AppSpec spec;
  bool running = true;
};

/// True for variables that belong to the starter's login session and would be stale or wrong
/// after a reboot: SSH_*, TERM, DISPLAY, XDG_SESSION_*, OLDPWD, SHLVL, ...
bool is_session_variable(std::string_view name);
Env without_session_variables(const Env& env);

/// The dump's text: format version, who wrote it and when, and the apps in order. Each spec's
/// inherited environment is saved without session variables.
std::string encode_dump(const std::vector<DumpEntry>& entries, std::string_view pmd_version, std::string_view saved_at);

/// Why a dump could not be read. `damaged` (empty, truncated, not a dump) may be worth trying the
/// backup for; `too_new` is a whole dump this pmd must not half-understand.
struct DumpError {
  enum Kind { kDamaged, kTooNew } kind;
  std::string message;
};

/// Reads a whole dump, validating every app before returning any: either all entries or an error.
std::variant<std::vector<DumpEntry>, DumpError> decode_dump(std::string_view text);

}  // namespace pmd
