// JsonWriter: commas and brackets here; scalars through nlohmann's serializer.
#include "json_writer.h"

namespace pmd {

JsonWriter::JsonWriter(std::string& out)
    : out_(out),
      serializer_(nlohmann::detail::output_adapter<char, std::string>(out), ' ',
                  nlohmann::json::error_handler_t::replace) {}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (has_members_.empty()) return;
  if (has_members_.back()) out_ += ',';
  has_members_.back() = true;
}

void JsonWriter::open(char bracket) {
  before_value();
  out_ += bracket;
  has_members_.push_back(false);
}

void JsonWriter::close(char bracket) {
  has_members_.pop_back();
  out_ += bracket;
}

void JsonWriter::begin_object() { open('{'); }
void JsonWriter::end_object() { close('}'); }
void JsonWriter::begin_array() { open('['); }
void JsonWriter::end_array() { close(']'); }

JsonWriter& JsonWriter::key(std::string_view name) {
  before_value();
  out_ += '"';
  out_ += name;
  out_ += "\":";
  after_key_ = true;
  return *this;
}

void JsonWriter::value(std::string_view text) { value(nlohmann::json(text)); }
void JsonWriter::value(double number) { value(nlohmann::json(number)); }
void JsonWriter::value(bool flag) {
  before_value();
  out_ += flag ? "true" : "false";
}
void JsonWriter::null() {
  before_value();
  out_ += "null";
}
void JsonWriter::value(const nlohmann::json& dom) {
  before_value();
  serializer_.dump(dom, false, false, 0);
}

}  // namespace pmd
