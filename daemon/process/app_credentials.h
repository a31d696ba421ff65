// Who an app runs as: its `user` and `group` resolved to ids with the user's supplementary
// groups. The spawner switches to them; the files the app's spec names are opened with them.
#pragma once

#include "app_spec.h"

#include <sys/types.h>

#include <string>
#include <variant>
#include <vector>

namespace pmd {

struct AppCredentials {
  bool switch_user = false;  // a root pmd running the app as someone else
  uid_t uid = 0;
  gid_t gid = 0;
  std::vector<gid_t> groups;
};

/// The app's credentials, or a sentence saying why they cannot be had (an unknown user, or a
/// pmd that is not root asked to switch). Without `user`/`group`, pmd's own (switch_user false).
std::variant<AppCredentials, std::string> app_credentials(const AppSpec& spec);

/// The identity the app's files (logs, a unix socket path) are handled with: the app's, or, when
/// its user cannot be resolved (it will never start), nobody's under a root pmd.
AppCredentials file_owner(const AppSpec& spec);

/// For the duration of its scope, this thread's file-system identity (fsuid, fsgid, groups) is
/// the app's: the kernel then checks every path walk, open, mkdir and rename as if the app's
/// user made it, symlinks included. Does nothing when the credentials switch no user.
/// pmd is single-threaded; these calls change only the calling thread anyway.
class ActingAs {
 public:
  explicit ActingAs(const AppCredentials& credentials);
  ~ActingAs();
  ActingAs(const ActingAs&) = delete;
  ActingAs& operator=(const ActingAs&) = delete;

 private:
  bool active_ = false;
  std::vector<gid_t> saved_groups_;
};

}  // namespace pmd
