// Format detection and loading of ecosystem files.
#include "ecosystem_file.h"

#include "cpu_budget.h"
#include "executable_lookup.h"
#include "js_document.h"
#include "lenient_json.h"
#include "yaml_document.h"

#include "utf8.h"

#include <cstdio>
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
  if (ends_with(".config.js") || ends_with(".config.cjs") || ends_with(".config.mjs"))
    return EcosystemFormat::kJavaScript;
  return EcosystemFormat::kNone;
}

namespace {

constexpr std::uintmax_t kMaxFileBytes = 16 << 20;

// Line and column (in characters) of a byte offset, for diagnostics.
Position position_at(std::string_view text, std::size_t offset) {
  Position p{1, 1};
  for (std::size_t k = 0; k < offset && k < text.size(); ++k) {
    if (text[k] == '\n') {
      ++p.line;
      p.column = 1;
    } else if ((static_cast<unsigned char>(text[k]) & 0xC0) != 0x80) {
      ++p.column;
    }
  }
  return p;
}

}  // namespace

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
  // Bounded before reading: a file is a few KiB; anything near this is a mistake or an attack.
  std::error_code size_error;
  if (auto size = fs::file_size(absolute, size_error); !size_error && size > kMaxFileBytes) {
    Diagnostic d;
    d.kind = "load";
    d.message = "the file is " + std::to_string(size >> 20) + " MiB; an ecosystem file may be at most 16 MiB";
    return fail(d);
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return normalize_ecosystem_text(buffer.str(), ecosystem_format(absolute), file.string(), absolute, options);
}

Normalized load_ecosystem_json(std::istream& in, const std::string& display_name, const fs::path& base_dir,
                               const LoadOptions& options) {
  std::string text;
  char chunk[65536];
  while (in.read(chunk, sizeof chunk) || in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxFileBytes) {
      Normalized out;
      Diagnostic d;
      d.kind = "load";
      d.file = display_name;
      d.message = "more than 16 MiB; an ecosystem file may be at most 16 MiB";
      out.errors.push_back(d);
      return out;
    }
  }
  return normalize_ecosystem_text(text, EcosystemFormat::kJson, display_name, base_dir / "stdin.json", options);
}

Normalized normalize_ecosystem_text(const std::string& text, EcosystemFormat format, const std::string& display_name,
                                    const fs::path& absolute, const LoadOptions& options) {
  Normalized out;
  auto fail = [&](Diagnostic d) {
    d.file = display_name;
    out.errors.push_back(std::move(d));
    return out;
  };
  if (auto bad = first_invalid_utf8(text)) {
    Diagnostic d;
    d.kind = "syntax";
    d.pos = position_at(text, *bad);
    char byte[8];
    std::snprintf(byte, sizeof byte, "0x%02X", static_cast<unsigned char>(text[*bad]));
    d.message = std::string("invalid UTF-8 (byte ") + byte + "): save the file as UTF-8";
    return fail(d);
  }

  std::variant<Value, Diagnostic> parsed;
  auto env_path = options.starter_env.count("PATH") ? options.starter_env.at("PATH") : std::string(kDefaultPath);
  switch (format) {
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
  ctx.file = display_name;
  ctx.base_dir = absolute.parent_path();
  ctx.starter_env = options.starter_env;
  ctx.env_name = options.env_name;
  ctx.force_instances = options.force_instances;
  ctx.usable_cpus = options.usable_cpus > 0 ? options.usable_cpus : usable_cpus();
  if (format == EcosystemFormat::kJavaScript) ctx.source_text = text;
  return normalize_document(std::get<Value>(parsed), ctx, options.only);
}

}  // namespace pmd::config
