// The systemd unit that starts pmd at boot and brings the saved apps back. Pure: the same text
// is printed by `pmctl startup --print`, installed by `pmctl startup`, and shipped in
// packaging/systemd (a test keeps them identical).
#pragma once

#include <string>

namespace pmd::cli {

struct UnitRequest {
  enum class Scope { kSystem, kUser };
  Scope scope = Scope::kSystem;
  std::string user;          // kSystem: the account pmd and its apps run as (User=)
  std::string pmd_path;      // absolute path of the pmd binary
  std::string pmd_home;      // non-empty: PMD_HOME for the daemon (only when the user chose one)
  std::string service_name;  // --service-name: the unit's name instead of the default
};

/// "pmd-alice.service" for a system unit, "pmd.service" for root's and for a user unit; or the
/// --service-name given (".service" added when missing).
std::string unit_name(const UnitRequest& request);

/// The unit's text. Nothing of the installing shell is baked in (no PATH): the apps' own
/// environments come from the dump.
std::string unit_text(const UnitRequest& request);

}  // namespace pmd::cli
