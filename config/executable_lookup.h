// Finding a program the way execvp would, but against a given PATH (the app's, not pmd's).
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace pmd::config {

/// A name with a '/' is taken relative to `cwd`; a bare name is searched in `path_var`
/// (colon-separated; empty entries mean the cwd). Returns the absolute path of the first
/// regular, executable file, or nullopt.
std::optional<std::filesystem::path> find_executable(const std::string& name, const std::string& path_var,
                                                     const std::filesystem::path& cwd);

/// True for a readable file whose first 4 KiB hold no NUL byte: a script, not a binary. PM2 runs
/// such a file with node when it has no known extension and is not executable.
bool looks_like_text(const std::filesystem::path& file);

/// PATH to use when the environment has none (what glibc's execvp assumes).
inline constexpr const char* kDefaultPath = "/usr/local/bin:/usr/bin:/bin";

}  // namespace pmd::config
