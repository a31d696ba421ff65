// What the dashboard's HTTP server answers, as a table: a request target ("/api/reload",
// "/api/logs?target=api&lines=50") to the kind of route and the JSON-RPC call it stands for. Each
// route takes only the parameters listed for it (a spec to run, or `follow`, never comes in over
// HTTP). Pure, so the whole surface is unit-tested.
#pragma once

#include <nlohmann/json.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace pmd {

enum class WebRoute {
  kPage,    // the dashboard itself (no data in it)
  kRead,    // GET: a JSON-RPC method that changes nothing
  kStream,  // GET: live log lines as Server-Sent Events
  kAction,  // POST: a JSON-RPC method that changes something, with its progress streamed
};

struct WebCall {
  WebRoute route = WebRoute::kPage;
  std::string method;  // the JSON-RPC method ("" for the page)
  nlohmann::json params = nlohmann::json::object();
};

/// "%2F" and "+" decoded; nullopt when an escape is malformed.
std::optional<std::string> percent_decode(std::string_view text);
/// "a=1&b=x%20y" to {a: 1, b: x y}; nullopt when malformed.
std::optional<std::map<std::string, std::string>> parse_query(std::string_view query);

/// The call a request target stands for; for an action, `body` is its JSON object of
/// parameters (from POST). nullopt: not found. Throws std::invalid_argument with a sentence when
/// the route exists but a parameter is wrong.
std::optional<WebCall> route_request(std::string_view target, std::string_view body);

/// Whether `target` names an action route (so a GET of it is answered 405, not 404).
bool is_action_path(std::string_view target);

}  // namespace pmd
