// The dashboard's token: 32 random bytes as hex in PMD_HOME/web.token (0600, owned by pmd's
// user), made once and kept, so a bookmarked address goes on working across restarts.
#pragma once

#include <filesystem>
#include <string>

namespace pmd {

/// The token in `file`, made first if there is none. "" and `error` set when it cannot be read
/// or made (a symlink, another owner, loose permissions are refused, never followed or used).
std::string load_or_create_web_token(const std::filesystem::path& file, std::string& error);

}  // namespace pmd
