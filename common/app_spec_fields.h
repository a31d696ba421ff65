// The fields of an AppSpec, once: the wire name (PM2's ecosystem key), where the value lives,
// the range a number must be in, and how `pmctl config`/`describe` show it. to_json,
// app_spec_from_json and config_view are loops over this table, so a new key is one row here
// (plus its parsing in config/app_normalizer.cpp, which a unit test checks is there).
#pragma once

#include "app_spec.h"

#include <chrono>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

namespace pmd {

/// How the user-facing view shows a value.
enum class FieldView {
  kAsIs,
  kNullIfEmpty,  // "" or 0 shows as null (unset)
  kNoneIfEmpty,  // "" shows as "none" (PM2's word for "no interpreter")
  kRawIfEmpty,   // "" shows as "raw" (log_type)
  kSignalName,   // a number shows as "SIGINT"
  kHidden,       // not shown (the starter's environment)
};

struct SpecField {
  using Member = std::variant<std::string AppSpec::*, std::vector<std::string> AppSpec::*, Env AppSpec::*,
                              bool AppSpec::*, int AppSpec::*, std::chrono::milliseconds AppSpec::*,
                              std::uint64_t AppSpec::*, std::vector<int> AppSpec::*>;
  const char* key;
  Member member;
  FieldView view = FieldView::kAsIs;
  long long min = 0, max = 0;  // an int's range on the wire (durations: 0 to 30 days)
};

/// Every field of AppSpec, in the order `pmctl config` lists them.
const std::vector<SpecField>& app_spec_fields();

}  // namespace pmd
