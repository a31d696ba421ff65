// Signal names as users write them ("SIGINT", "INT", "2") and as pmd prints them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pmd {

/// "SIGTERM", "term", "15" -> 15. Unknown names give nullopt.
std::optional<int> parse_signal(std::string_view text);

/// 15 -> "SIGTERM"; unknown numbers -> "signal 99".
std::string signal_name(int signo);

}  // namespace pmd
