// Format detection and loading of ecosystem files.
#include "ecosystem_file.h"

#include "cpu_budget.h"
#include "executable_lookup.h"
#include "js_document.h"
#include "lenient_json.h"
#include "yaml_document.h"

#include <fstream>
#include <sstream>

namespace pmd::config {

namespace fs = std::filesystem;

EcosystemFormat ecosystem_format(const fs::path& file) {
  const std::string name = file.filename().string();
  auto ends_with = [&](const char* suffix) {
    std::string s(suffix);
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
  if (ends_with(".json")) return EcosystemFormat::kJson;
  if (ends_with(".yml") || ends_with(".yaml")) return EcosystemFormat::kYaml;
  if (ends_with(".config.js") || ends_with(".config.cjs") || ends_with(".config.mjs")) return EcosystemFormat::kJavaScript;
  return EcosystemFormat::kNone;
}

Normalized load_ecosystem(const fs::path& file, const LoadOptions& options) {
  Normalized out;
  const fs::path absolute = fs::absolute(file).lexically_normal();
  auto fail = [&](Diagnostic d) {
    d.file = file.string();
    out.errors.push_back(std::move(d));
    return out;
  };
  std::ifstream in(absolute, std::ios::binary);
  if (!in) {
    Diagnostic d;
    d.kind = "load";
    d.message = fs::exists(absolute) ? "cannot read the file (check its permissions)" : "no such file";
    return fail(d);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string text = buffer.str();

  std::variant<Value, Diagnostic> parsed;
  auto env_path = options.starter_env.count("PATH") ? options.starter_env.at("PATH") : std::string(kDefaultPath);
  switch (ecosystem_format(absolute)) {
    case EcosystemFormat::kJson: parsed = parse_lenient_json(text); break;
    case EcosystemFormat::kYaml: parsed = parse_yaml(text); break;
    case EcosystemFormat::kJavaScript: parsed = evaluate_js(absolute, env_path); break;
    case EcosystemFormat::kNone: {
      Diagnostic d;
      d.kind = "load";
      d.message = "not an ecosystem file (expected .json, .yml, .yaml, or .config.js/.cjs/.mjs)";
      return fail(d);
    }
  }
  if (auto* d = std::get_if<Diagnostic>(&parsed)) return fail(*d);

  NormalizeContext ctx;
  ctx.file = file.string();
  ctx.base_dir = absolute.parent_path();
  ctx.starter_env = options.starter_env;
  ctx.env_name = options.env_name;
  ctx.usable_cpus = options.usable_cpus > 0 ? options.usable_cpus : usable_cpus();
  if (ecosystem_format(absolute) == EcosystemFormat::kJavaScript) ctx.source_text = text;
  return normalize_document(std::get<Value>(parsed), ctx, options.only);
}

}  // namespace pmd::config
