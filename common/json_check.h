// Whether a text is JSON, without building anything: pmctl checks every reply of the daemon
// before it passes a result's text through (`list --json`), and nlohmann's accept() spent ~90
// instructions a byte on it (its lexer copies each character into a token).
#pragma once

#include <string_view>

namespace pmd {

/// True exactly when nlohmann::json::accept(text) is: one RFC 8259 value with optional
/// whitespace around it (and a UTF-8 byte-order mark before), strings of well-formed UTF-8
/// without control characters and with paired surrogate escapes, numbers that fit a double.
/// Any depth; memory is one byte per open bracket.
bool is_json_text(std::string_view text);

}  // namespace pmd
