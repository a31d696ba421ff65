// yaml-cpp's emitter, fed from nlohmann::json.
#include "yaml_output.h"

#include <yaml-cpp/yaml.h>

namespace pmd::cli {

namespace {

void emit(YAML::Emitter& out, const nlohmann::json& value) {
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key << key << YAML::Value;
        emit(out, item);
      }
      out << YAML::EndMap;
      break;
    case nlohmann::json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : value) emit(out, item);
      out << YAML::EndSeq;
      break;
    case nlohmann::json::value_t::string: out << YAML::DoubleQuoted << value.get<std::string>(); break;
    case nlohmann::json::value_t::boolean: out << value.get<bool>(); break;
    case nlohmann::json::value_t::number_integer: out << value.get<long long>(); break;
    case nlohmann::json::value_t::number_unsigned: out << value.get<unsigned long long>(); break;
    case nlohmann::json::value_t::number_float: out << value.get<double>(); break;
    default: out << YAML::Null;
  }
}

}  // namespace

std::string yaml_documents(const std::vector<nlohmann::json>& documents, const std::vector<std::string>& comment) {
  std::string text;
  for (const auto& line : comment) text += "# " + line + "\n";
  for (const auto& document : documents) {
    YAML::Emitter out;
    out.SetBoolFormat(YAML::TrueFalseBool);
    emit(out, document);
    text += "---\n" + std::string(out.c_str()) + "\n";
  }
  return text;
}

}  // namespace pmd::cli
