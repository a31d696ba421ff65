// What each fuzz target does with one input. The same functions run under libFuzzer
// (fuzz_main.cpp, built with clang by scripts/fuzz.sh) and, in the ordinary unit tests, over
// every input kept in regressions/ and corpus/, so a crash once found stays fixed.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace pmd::fuzz {

/// The lenient JSON parser of ecosystem files (process.json).
void lenient_json(std::string_view input);
/// The YAML loader of ecosystem files (process.yml), aliases and merges included.
void yaml(std::string_view input);
/// A parsed ecosystem document through the app normalizer (every key, coercion and check).
void normalizer(std::string_view input);
/// The JSON-RPC line framer fed in pieces whose sizes come from the input.
void line_framer(std::string_view input);
/// One request line through the daemon's parse and validate layer: the JSON-RPC envelope, the
/// nesting bound, typed params and app specs.
void request(std::string_view input);

/// A cron_restart expression: parsed, and when it parses, its next firings from a time the input
/// also chooses (the calendar walk must end, whatever the fields say).
void cron(std::string_view input);

/// The fd holder's side: a header line parsed, and output kept within a bound the input chooses
/// (whole lines only, every dropped line counted).
void holder(std::string_view input);

/// pmctl's JSON check of the daemon's replies against nlohmann's: the same answer for every text.
void json_check(std::string_view input);

/// pmctl --host's text: host lists read back from their labels and never become ssh options,
/// words quoted for the remote shell unquote to themselves, metrics merged lose no sample.
void hosts(std::string_view input);

/// The dashboard's HTTP surface: a request target and body routed (only listed parameters ever
/// pass, errors are sentences), an action never allowed without the token whatever the other
/// headers say, and usage samples in any order kept in time order within the rings' bounds.
void web(std::string_view input);

struct Target {
  const char* name;
  void (*run)(std::string_view);
};
const std::vector<Target>& targets();

}  // namespace pmd::fuzz
