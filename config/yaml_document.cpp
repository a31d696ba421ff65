// yaml-cpp nodes -> Value.
#include "yaml_document.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdlib>
#include <regex>

namespace pmd::config {
namespace {

Position position_of(const YAML::Node& node) {
  auto m = node.Mark();
  return m.line >= 0 ? Position{m.line + 1, m.column + 1} : Position{};
}

Value typed_scalar(const YAML::Node& node) {
  Value v;
  v.pos = position_of(node);
  const std::string& s = node.Scalar();
  const std::string& tag = node.Tag();
  const bool plain = tag == "?" || tag.empty();
  if (!plain && tag != "tag:yaml.org,2002:int" && tag != "tag:yaml.org,2002:float" && tag != "tag:yaml.org,2002:bool") {
    v.kind = Value::Kind::kString;
    v.text = s;
    return v;
  }
  static const std::regex kInt(R"([-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)");
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return v;
  if (s == "true" || s == "True" || s == "TRUE" || s == "false" || s == "False" || s == "FALSE") {
    v.kind = Value::Kind::kBool;
    v.boolean = s[0] == 't' || s[0] == 'T';
    return v;
  }
  if (std::regex_match(s, kInt)) {
    v.kind = Value::Kind::kNumber;
    if (s.rfind("0o", 0) == 0)
      v.number = static_cast<double>(std::strtoll(s.c_str() + 2, nullptr, 8));
    else if (s.rfind("0x", 0) == 0)
      v.number = static_cast<double>(std::strtoll(s.c_str(), nullptr, 16));
    else
      v.number = std::strtod(s.c_str(), nullptr);  // decimal, even with leading zeros
    v.text = s;
    return v;
  }
  if (std::regex_match(s, kFloat)) {
    v.kind = Value::Kind::kNumber;
    v.number = std::strtod(s.c_str(), nullptr);
    v.text = s;
    return v;
  }
  v.kind = Value::Kind::kString;
  v.text = s;
  return v;
}

// Aliases are shared in yaml-cpp's tree but copied here, so a few lines of nested aliases (the
// "billion laughs") would expand without end: the values made for one document are counted.
constexpr std::size_t kMaxValues = 100'000;

struct Expansion {
  std::size_t values = 0;
};

Value convert(const YAML::Node& node, int depth, Expansion& made);

// Members of a mapping node, with `<<` merges applied: explicit keys win, then the merged maps in
// the order listed.
void add_members(const YAML::Node& node, Value& out, int depth, Expansion& made) {
  std::vector<YAML::Node> merges;
  for (auto it = node.begin(); it != node.end(); ++it) {
    // Copies, not references: yaml-cpp's iterator hands out a temporary pair.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (key.IsScalar() && key.Scalar() == "<<" && (key.Tag() == "?" || key.Tag().empty())) {
      const YAML::Node& merged = value;
      if (merged.IsSequence())
        for (const auto& m : merged) merges.push_back(m);
      else
        merges.push_back(merged);
      continue;
    }
    Value::Member m;
    m.key = key.IsScalar() ? key.Scalar() : YAML::Dump(key);
    m.key_pos = position_of(key);
    m.value = convert(value, depth + 1, made);
    out.members.push_back(std::move(m));
  }
  for (const auto& merged : merges) {
    if (!merged.IsMap()) {
      throw YAML::ParserException(merged.Mark(), "a merge key (<<) must refer to a mapping or a list of mappings");
    }
    Value from;
    add_members(merged, from, depth + 1, made);
    for (auto& m : from.members)
      if (!out.find(m.key)) out.members.push_back(std::move(m));
  }
}

Value convert(const YAML::Node& node, int depth, Expansion& made) {
  if (depth > 200) throw YAML::ParserException(node.Mark(), "nested too deeply (a recursive alias?)");
  if (++made.values > kMaxValues)
    throw YAML::ParserException(node.Mark(), "the document expands to more than " + std::to_string(kMaxValues) +
                                                 " values (aliases nested inside aliases?)");
  Value v;
  v.pos = position_of(node);
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined: return v;
    case YAML::NodeType::Scalar: return typed_scalar(node);
    case YAML::NodeType::Sequence:
      v.kind = Value::Kind::kArray;
      for (const auto& item : node) v.items.push_back(convert(item, depth + 1, made));
      return v;
    case YAML::NodeType::Map:
      v.kind = Value::Kind::kObject;
      add_members(node, v, depth, made);
      return v;
  }
  return v;
}

}  // namespace

std::variant<Value, Diagnostic> parse_yaml(const std::string& text) {
  try {
    YAML::Node root = YAML::Load(text);
    Expansion made;
    return convert(root, 0, made);
  } catch (const YAML::Exception& e) {
    Diagnostic d;
    d.kind = "syntax";
    d.pos = e.mark.line >= 0 ? Position{e.mark.line + 1, e.mark.column + 1} : Position{};
    d.message = e.msg;
    return d;
  }
}

}  // namespace pmd::config
