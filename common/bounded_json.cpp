// parse_json_bounded: the parser callback sees each level's depth and aborts past the bound.
#include "bounded_json.h"

namespace pmd {

namespace {
struct TooDeep {};
}  // namespace

std::string json_text(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

BoundedJson parse_json_bounded(std::string_view text, int max_depth) {
  using json = nlohmann::json;
  BoundedJson out;
  auto guard = [max_depth](int depth, json::parse_event_t event, json&) {
    if ((event == json::parse_event_t::object_start || event == json::parse_event_t::array_start) && depth >= max_depth)
      throw TooDeep{};
    return true;
  };
  try {
    out.value = json::parse(text, guard, false);
  } catch (const TooDeep&) {
    out.status = BoundedJson::kTooDeep;
    out.value = nullptr;
    return out;
  }
  out.status = out.value.is_discarded() ? BoundedJson::kInvalid : BoundedJson::kOk;
  if (out.status != BoundedJson::kOk) out.value = nullptr;
  return out;
}

}  // namespace pmd
