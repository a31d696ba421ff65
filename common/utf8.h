// UTF-8 validation: names, values and files that are not UTF-8 are refused where they enter,
// with a position, instead of failing later when they are printed as JSON.
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>

namespace pmd {

/// The offset of the first byte that does not belong to well-formed UTF-8 (no overlongs, no
/// surrogates, nothing past U+10FFFF), or nullopt when all of `text` is valid.
std::optional<std::size_t> first_invalid_utf8(std::string_view text);

}  // namespace pmd
