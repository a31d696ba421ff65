// Writes JSON text straight into a string, for replies too big to build as a DOM first (the
// `list` of 1,000 instances: building it as nlohmann objects cost the daemon ~11 ms, writing it
// directly well under one). Numbers and strings go through nlohmann's own serializer, so the bytes
// are the ones `dump()` gives (invalid UTF-8 replaced by U+FFFD, doubles as "0.0"): a reader
// cannot tell the two apart. nlohmann sorts object keys; a caller that wants the same bytes
// writes keys in sorted order.
#pragma once

#include <nlohmann/json.hpp>

#include <concepts>
#include <string>
#include <string_view>
#include <vector>

namespace pmd {

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out);

  void begin_object();
  void end_object();
  void begin_array();
  void end_array();
  /// An object member's key; `name` is written as given (pmd's own ASCII field names).
  JsonWriter& key(std::string_view name);

  void value(std::string_view text);
  void value(const char* text) { value(std::string_view(text)); }
  void value(const std::string& text) { value(std::string_view(text)); }
  void value(double number);
  void value(bool flag);
  template <std::integral T>
  requires(!std::same_as<T, bool>) void value(T number) {
    before_value();
    out_ += std::to_string(number);
  }
  void null();
  /// Any DOM value, as dump() writes it.
  void value(const nlohmann::json& dom);

 private:
  void before_value();
  void open(char bracket);
  void close(char bracket);

  std::string& out_;
  std::vector<bool> has_members_;  // per open level: whether a comma goes before the next item
  bool after_key_ = false;
  nlohmann::detail::serializer<nlohmann::json> serializer_;
};

}  // namespace pmd
