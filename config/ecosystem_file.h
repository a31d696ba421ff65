// Ecosystem files: telling one from a script (PM2's rule), reading it in its format (JSON, YAML,
// JavaScript through node), and normalizing every app it declares.
#pragma once

#include "app_normalizer.h"

#include <filesystem>
#include <istream>
#include <string>
#include <vector>

namespace pmd::config {

enum class EcosystemFormat { kNone, kJson, kYaml, kJavaScript };

/// PM2's rule: *.json, *.yml, *.yaml, and *.config.js / .config.cjs / .config.mjs are ecosystem
/// files; any other file (app.js) is a script to run.
EcosystemFormat ecosystem_format(const std::filesystem::path& file);

struct LoadOptions {
  std::string env_name;
  std::vector<std::string> only;
  Env starter_env;
  int usable_cpus = 0;           // 0: read it from the kernel
  bool force_instances = false;  // allow more than instances_without_force()
};

/// Reads, parses and normalizes. Syntax and load errors come back as diagnostics too.
Normalized load_ecosystem(const std::filesystem::path& file, const LoadOptions& options);

/// An ecosystem file in JSON read from a stream (`pmctl start -`), bounded like a file (16 MiB);
/// relative paths resolve against `base_dir`.
Normalized load_ecosystem_json(std::istream& in, const std::string& display_name, const std::filesystem::path& base_dir,
                               const LoadOptions& options);

/// The same for text already read (`pmctl start -` reads JSON from stdin). `display_name` names it
/// in diagnostics; relative paths resolve against `absolute`'s directory (JavaScript is run from
/// `absolute` itself).
Normalized normalize_ecosystem_text(const std::string& text, EcosystemFormat format, const std::string& display_name,
                                    const std::filesystem::path& absolute, const LoadOptions& options);

}  // namespace pmd::config
