// Value helpers and diagnostic formatting.
#include "document.h"
#include "bounded_json.h"

#include <cmath>

namespace pmd::config {

const Value* Value::find(const std::string& key) const {
  const Value* found = nullptr;
  for (const auto& m : members)
    if (m.key == key) found = &m.value;
  return found;
}

const char* Value::kind_name() const {
  switch (kind) {
    case Kind::kNull: return "null";
    case Kind::kBool: return "a boolean";
    case Kind::kNumber: return "a number";
    case Kind::kString: return "a string";
    case Kind::kArray: return "a list";
    case Kind::kObject: return "an object";
  }
  return "a value";
}

nlohmann::json Value::to_json() const {
  switch (kind) {
    case Kind::kNull: return nullptr;
    case Kind::kBool: return boolean;
    case Kind::kNumber:
      if (std::floor(number) == number && std::fabs(number) < 9e15) return static_cast<long long>(number);
      return number;
    case Kind::kString: return text;
    case Kind::kArray: {
      auto a = nlohmann::json::array();
      for (const auto& v : items) a.push_back(v.to_json());
      return a;
    }
    case Kind::kObject: {
      auto o = nlohmann::json::object();
      for (const auto& m : members) o[m.key] = m.value.to_json();
      return o;
    }
  }
  return nullptr;
}

Value Value::from_json(const nlohmann::json& j) {
  Value v;
  if (j.is_boolean()) {
    v.kind = Kind::kBool;
    v.boolean = j.get<bool>();
  } else if (j.is_number()) {
    v.kind = Kind::kNumber;
    v.number = j.get<double>();
    v.text = json_text(j);
  } else if (j.is_string()) {
    v.kind = Kind::kString;
    v.text = j.get<std::string>();
  } else if (j.is_array()) {
    v.kind = Kind::kArray;
    for (const auto& item : j) v.items.push_back(from_json(item));
  } else if (j.is_object()) {
    v.kind = Kind::kObject;
    for (const auto& [k, item] : j.items()) v.members.push_back({k, {}, from_json(item)});
  }
  return v;
}

std::string Diagnostic::format() const {
  std::string out = file;
  if (pos.line > 0) out += ":" + std::to_string(pos.line) + ":" + std::to_string(pos.column);
  out += ": ";
  if (app_index >= 0)
    out += "app " + std::to_string(app_index) + (app_name.empty() ? "" : " (" + app_name + ")") + ": ";
  if (!key.empty()) out += key + ": ";
  return out + message;
}

nlohmann::json Diagnostic::to_json() const {
  return {{"file", file},
          {"line", pos.line > 0 ? nlohmann::json(pos.line) : nlohmann::json(nullptr)},
          {"column", pos.line > 0 ? nlohmann::json(pos.column) : nlohmann::json(nullptr)},
          {"app_index", app_index >= 0 ? nlohmann::json(app_index) : nlohmann::json(nullptr)},
          {"key", key.empty() ? nlohmann::json(nullptr) : nlohmann::json(key)},
          {"kind", kind},
          {"message", message}};
}

}  // namespace pmd::config
