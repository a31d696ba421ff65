// Signal name table.
#include "signals.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <csignal>
#include <utility>

namespace pmd {
namespace {

constexpr std::array<std::pair<const char*, int>, 20> kSignals{{
    {"SIGHUP", SIGHUP},   {"SIGINT", SIGINT},   {"SIGQUIT", SIGQUIT}, {"SIGILL", SIGILL},     {"SIGTRAP", SIGTRAP},
    {"SIGABRT", SIGABRT}, {"SIGBUS", SIGBUS},   {"SIGFPE", SIGFPE},   {"SIGKILL", SIGKILL},   {"SIGUSR1", SIGUSR1},
    {"SIGSEGV", SIGSEGV}, {"SIGUSR2", SIGUSR2}, {"SIGPIPE", SIGPIPE}, {"SIGALRM", SIGALRM},   {"SIGTERM", SIGTERM},
    {"SIGCONT", SIGCONT}, {"SIGSTOP", SIGSTOP}, {"SIGTSTP", SIGTSTP}, {"SIGWINCH", SIGWINCH}, {"SIGXCPU", SIGXCPU},
}};

}  // namespace

std::optional<int> parse_signal(std::string_view text) {
  int number = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec == std::errc() && ptr == text.data() + text.size())
    return number > 0 && number < NSIG ? std::optional<int>(number) : std::nullopt;
  std::string upper;
  for (char c : text) upper += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (upper.rfind("SIG", 0) != 0) upper = "SIG" + upper;
  auto it = std::find_if(kSignals.begin(), kSignals.end(), [&](auto& p) { return upper == p.first; });
  if (it == kSignals.end()) return std::nullopt;
  return it->second;
}

std::string signal_name(int signo) {
  auto it = std::find_if(kSignals.begin(), kSignals.end(), [&](auto& p) { return p.second == signo; });
  return it == kSignals.end() ? "signal " + std::to_string(signo) : it->first;
}

}  // namespace pmd
