// parse_json_bounded: nlohmann's own DOM builder driven through its SAX interface, counting the
// levels as they open and stopping at the first one past the bound. (The parser callback can do
// the same check, but its DOM builder is a third slower: it keeps a "keep or discard" decision
// per value. A 1,000-instance list is 245 KB; pmctl parses it on every `list`.)
#include "bounded_json.h"

namespace pmd {

namespace {

struct TooDeep {};

class BoundedDomParser : public nlohmann::detail::json_sax_dom_parser<nlohmann::json> {
 public:
  BoundedDomParser(nlohmann::json& result, int max_depth) : json_sax_dom_parser(result, false), max_depth_(max_depth) {}
  bool start_object(std::size_t elements) {
    enter();
    return json_sax_dom_parser::start_object(elements);
  }
  bool end_object() {
    --depth_;
    return json_sax_dom_parser::end_object();
  }
  bool start_array(std::size_t elements) {
    enter();
    return json_sax_dom_parser::start_array(elements);
  }
  bool end_array() {
    --depth_;
    return json_sax_dom_parser::end_array();
  }

 private:
  void enter() {
    if (++depth_ > max_depth_) throw TooDeep{};
  }
  int depth_ = 0;
  int max_depth_;
};

}  // namespace

std::string json_text(const nlohmann::json& value, int indent) {
  return value.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

BoundedJson parse_json_bounded(std::string_view text, int max_depth) {
  BoundedJson out;
  bool parsed = false;
  try {
    BoundedDomParser builder(out.value, max_depth);
    parsed = nlohmann::json::sax_parse(text, &builder) && !builder.is_errored();
  } catch (const TooDeep&) {
    out.status = BoundedJson::kTooDeep;
    out.value = nullptr;
    return out;
  }
  out.status = parsed ? BoundedJson::kOk : BoundedJson::kInvalid;
  if (!parsed) out.value = nullptr;
  return out;
}

}  // namespace pmd
