// JSON as PM2 reads it. PM2 evaluates .json ecosystem files as JavaScript, so files in the wild
// carry comments, trailing commas, single quotes and bare keys; all of that is accepted here,
// and positions are kept for error messages.
#pragma once

#include "document.h"

#include <string_view>
#include <variant>

namespace pmd::config {

/// Parses the whole text; on failure the Diagnostic has kind "syntax", a position and a message.
std::variant<Value, Diagnostic> parse_lenient_json(std::string_view text);

}  // namespace pmd::config
