// Finds a member of a JSON object as text, without parsing it into values: pmctl passes a
// 1,000-instance `list` (245 KB) through to `--json` this way instead of building and printing
// it again (that cost ~20 ms of its ~30).
#pragma once

#include <optional>
#include <string_view>

namespace pmd {

/// In `text`, which must already be known to be valid JSON (nlohmann::json::accept), the text of
/// the top-level object's member `key` (its last occurrence, as a DOM keeps the last duplicate).
/// nullopt when `text` is not an object, has no such member (a key written with escapes does not
/// match), or the member nests arrays and objects deeper than `max_depth` in all.
std::optional<std::string_view> json_member_text(std::string_view text, std::string_view key, int max_depth);

}  // namespace pmd
