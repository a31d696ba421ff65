// The routes and their parameters.
#include "web/web_routes.h"

#include "bounded_json.h"

#include <charconv>
#include <stdexcept>
#include <vector>

namespace pmd {

using nlohmann::json;

namespace {

enum class Param { kString, kInt };

struct RouteRow {
  const char* path;
  WebRoute route;
  const char* method;
  std::vector<std::pair<const char*, Param>> params;  // what it takes; anything else is ignored
};

// The whole surface. Reads are the methods `pmctl list/describe/logs` use, plus `history`;
// actions are those of the dashboard's buttons.
const std::vector<RouteRow>& routes() {
  static const std::vector<RouteRow> rows = {
      {"/", WebRoute::kPage, "", {}},
      {"/index.html", WebRoute::kPage, "", {}},
      {"/api/version", WebRoute::kRead, "version", {}},
      {"/api/list", WebRoute::kRead, "list", {}},
      {"/api/describe", WebRoute::kRead, "describe", {{"target", Param::kString}}},
      {"/api/history",
       WebRoute::kRead,
       "history",
       {{"target", Param::kString}, {"span", Param::kInt}, {"points", Param::kInt}}},
      {"/api/logs", WebRoute::kRead, "logs", {{"target", Param::kString}, {"lines", Param::kInt}}},
      {"/api/logs/stream", WebRoute::kStream, "logs", {{"target", Param::kString}, {"lines", Param::kInt}}},
      {"/api/start", WebRoute::kAction, "start", {{"target", Param::kString}}},
      {"/api/stop", WebRoute::kAction, "stop", {{"target", Param::kString}}},
      {"/api/restart", WebRoute::kAction, "restart", {{"target", Param::kString}}},
      {"/api/reload", WebRoute::kAction, "reload", {{"target", Param::kString}, {"parallel", Param::kInt}}},
      {"/api/scale", WebRoute::kAction, "scale", {{"target", Param::kString}, {"instances", Param::kString}}},
  };
  return rows;
}

int to_int(const std::string& name, const std::string& text) {
  int value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || text.empty())
    throw std::invalid_argument("\"" + name + "\" must be a whole number");
  return value;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%') {
      if (i + 2 >= text.size()) return std::nullopt;
      const int hi = hex_value(text[i + 1]), lo = hex_value(text[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::optional<std::map<std::string, std::string>> parse_query(std::string_view query) {
  std::map<std::string, std::string> out;
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    auto key = percent_decode(pair.substr(0, eq));
    auto value = percent_decode(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
    if (!key || !value) return std::nullopt;
    out[*key] = *value;
  }
  return out;
}

bool is_action_path(std::string_view target) {
  const std::string_view path = target.substr(0, target.find('?'));
  for (const auto& row : routes())
    if (row.route == WebRoute::kAction && path == row.path) return true;
  return false;
}

std::optional<WebCall> route_request(std::string_view target, std::string_view body) {
  const auto question = target.find('?');
  const std::string_view path = target.substr(0, question);
  const RouteRow* row = nullptr;
  for (const auto& r : routes())
    if (path == r.path) row = &r;
  if (!row) return std::nullopt;
  WebCall call{row->route, row->method, json::object()};
  if (row->route == WebRoute::kAction) {
    auto parsed = parse_json_bounded(body.empty() ? std::string_view("{}") : body);
    if (parsed.status == BoundedJson::kTooDeep) throw std::invalid_argument("the body is nested too deep");
    if (parsed.status != BoundedJson::kOk || !parsed.value.is_object())
      throw std::invalid_argument("the body must be a JSON object");
    const json& given = parsed.value;
    for (const auto& [name, type] : row->params) {
      if (!given.contains(name) || given[name].is_null()) continue;
      const json& v = given[name];
      if (type == Param::kString && !v.is_string())
        throw std::invalid_argument(std::string("\"") + name + "\" must be a string");
      if (type == Param::kInt && !v.is_number_integer())
        throw std::invalid_argument(std::string("\"") + name + "\" must be a whole number");
      call.params[name] = v;
    }
  } else {
    auto query = parse_query(question == std::string_view::npos ? std::string_view() : target.substr(question + 1));
    if (!query) throw std::invalid_argument("the query string is malformed");
    for (const auto& [name, type] : row->params) {
      auto it = query->find(name);
      if (it == query->end()) continue;
      call.params[name] = type == Param::kInt ? json(to_int(name, it->second)) : json(it->second);
    }
  }
  if (call.route == WebRoute::kStream) call.params["follow"] = true;
  if (call.route == WebRoute::kAction && !call.params.contains("target"))
    throw std::invalid_argument("\"target\" is required (an app name, an id, or all)");
  return call;
}

}  // namespace pmd
