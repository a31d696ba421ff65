// A parsed configuration document: JSON-like values that remember where they were written, so
// every error about an ecosystem file can name the line and column. JSON, YAML and the output
// of a JavaScript ecosystem file all become this one tree.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pmd::config {

struct Position {
  int line = 0;  // 1-based; 0 when unknown (values produced by JavaScript)
  int column = 0;
};

struct Value {
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  struct Member;

  Kind kind = Kind::kNull;
  bool boolean = false;
  double number = 0;
  std::string text;  // kString: the string; kNumber: the number as written
  std::vector<Value> items;
  std::vector<Member> members;  // in document order
  Position pos;

  bool is_null() const { return kind == Kind::kNull; }
  bool is_string() const { return kind == Kind::kString; }
  bool is_number() const { return kind == Kind::kNumber; }
  bool is_bool() const { return kind == Kind::kBool; }
  bool is_array() const { return kind == Kind::kArray; }
  bool is_object() const { return kind == Kind::kObject; }

  /// The member named `key`, or nullptr (last one wins when a key repeats, as in JavaScript).
  const Value* find(const std::string& key) const;
  /// "a string", "a number", ... for error messages.
  const char* kind_name() const;
  /// Plain JSON (positions dropped).
  nlohmann::json to_json() const;
  static Value from_json(const nlohmann::json& j);
};

struct Value::Member {
  std::string key;
  Position key_pos;
  Value value;
};

/// A problem found while reading a document. `kind`: syntax, load, type, value, unknown_key, missing.
struct Diagnostic {
  std::string file;
  Position pos;
  int app_index = -1;
  std::string app_name;
  std::string key;
  std::string kind;
  std::string message;

  /// "ecosystem.yml:4:16: app 0 (api): instances: <message>"
  std::string format() const;
  nlohmann::json to_json() const;
};

}  // namespace pmd::config
