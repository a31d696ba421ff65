// Settings file parsing.
#include "settings.h"

#include "nearest_name.h"

#include <yaml-cpp/yaml.h>

namespace pmd {

namespace {

const std::vector<std::string> kKeys = {"autosave", "metrics", "sample_interval", "web"};

std::string at_line(const std::string& file, const YAML::Mark& mark) {
  return mark.line >= 0 ? file + ":" + std::to_string(mark.line + 1) : file;
}

}  // namespace

ParsedSettings parse_settings(std::string_view text, const std::string& file) {
  ParsedSettings out;
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& e) {
    out.error = at_line(file, e.mark) + ": not valid YAML: " + e.msg;
    return out;
  }
  if (!root || root.IsNull()) return out;  // an empty file sets nothing
  if (!root.IsMap()) {
    out.error = file + ": expected keys such as `autosave: true`, found " + (root.IsSequence() ? "a list" : "a value");
    return out;
  }
  for (const auto& item : root) {
    const std::string key = item.first.as<std::string>();
    const YAML::Node& value = item.second;
    const std::string where = at_line(file, item.first.Mark());
    auto scalar = [&](const char* what) -> std::optional<std::string> {
      if (value.IsScalar() && !value.Scalar().empty()) return value.Scalar();
      out.error = where + ": " + key + " must be " + what;
      return std::nullopt;
    };
    if (key == "autosave") {
      auto v = scalar("true or false");
      if (!v) return out;
      if (*v == "true" || *v == "yes" || *v == "on")
        out.settings.autosave = true;
      else if (*v == "false" || *v == "no" || *v == "off")
        out.settings.autosave = false;
      else {
        out.error = where + ": autosave must be true or false, not '" + *v + "'";
        return out;
      }
    } else if (key == "metrics") {
      auto v = scalar("an address such as 127.0.0.1:9209");
      if (!v) return out;
      out.settings.metrics = *v;
    } else if (key == "web") {
      auto v = scalar("an address such as 127.0.0.1:9615");
      if (!v) return out;
      out.settings.web = *v;
    } else if (key == "sample_interval") {
      auto v = scalar("a duration such as 1s or 500ms");
      if (!v) return out;
      out.settings.sample_interval = *v;
    } else {
      std::string warning = where + ": unknown setting '" + key + "' ignored";
      if (auto near = nearest_name(key, kKeys))
        warning += " (did you mean '" + *near + "'?)";
      else
        warning += " (known: autosave, metrics, sample_interval, web)";
      out.warnings.push_back(warning);
    }
  }
  return out;
}

}  // namespace pmd
