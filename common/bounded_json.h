// JSON parsing with a nesting bound, for every JSON that comes from outside (requests, replies,
// an app's IPC messages, node's rendering of an ecosystem file, the dump). nlohmann's parser is
// iterative, but copying or comparing a value recurses once per level: 100,000 nested brackets in
// one request line overflowed pmd's stack. Nothing pmd reads is legitimately more than a few deep.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace pmd {

inline constexpr int kMaxJsonDepth = 64;

struct BoundedJson {
  enum Status { kOk, kInvalid, kTooDeep };
  Status status = kInvalid;
  nlohmann::json value;  // set when kOk
};

/// The text of a value for output, never throwing: invalid UTF-8 (from an environment, argv or a
/// file) is replaced by U+FFFD rather than aborting the program that prints it.
std::string json_text(const nlohmann::json& value, int indent = -1);

/// Parses `text` (UTF-8 checked by the parser) refusing arrays and objects nested deeper than
/// `max_depth`; stops at the first level too deep, without building the rest.
BoundedJson parse_json_bounded(std::string_view text, int max_depth = kMaxJsonDepth);

}  // namespace pmd
