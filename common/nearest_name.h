// "Did you mean ...?": the closest of some known names to what was typed.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace pmd {

/// Levenshtein distance (insertions, deletions, substitutions).
std::size_t edit_distance(const std::string& a, const std::string& b);

/// The candidate closest to `typed`, if one is within `max_distance` edits.
std::optional<std::string> nearest_name(const std::string& typed, const std::vector<std::string>& candidates,
                                        std::size_t max_distance = 2);

}  // namespace pmd
