// Encoding and decoding of JSON-RPC 2.0 messages.
#include "jsonrpc.h"

#include "bounded_json.h"
#include "json_check.h"
#include "json_member_text.h"

namespace pmd::rpc {
namespace {

std::string line_of(const json& message) {
  // Invalid UTF-8 from an app's name or args must not throw while replying: replace it.
  return message.dump(-1, ' ', false, json::error_handler_t::replace) + "\n";
}

const char* type_name(json::value_t t) {
  switch (t) {
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "an integer";
    case json::value_t::number_float: return "a number";
    default: return "a value";
  }
}

}  // namespace

Request parse_request(std::string_view line) {
  BoundedJson parsed = parse_json_bounded(line);
  if (parsed.status == BoundedJson::kTooDeep)
    throw Error(kInvalidRequest, "invalid request: nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  if (parsed.status != BoundedJson::kOk)
    throw Error(kParseError, "parse error: the request is not valid JSON (send one JSON-RPC object per line)");
  json& message = parsed.value;
  if (!message.is_object())
    throw Error(kInvalidRequest,
                "invalid request: expected a JSON-RPC 2.0 object, got " + std::string(message.type_name()));
  Request req;
  req.is_notification = !message.contains("id");
  if (auto it = message.find("id"); it != message.end()) {
    if (it->is_string() || it->is_number_integer() || it->is_number_unsigned() || it->is_null()) req.id = *it;
  }
  auto version = message.find("jsonrpc");
  if (version == message.end() || *version != "2.0")
    throw Error(kInvalidRequest, "invalid request: \"jsonrpc\" must be \"2.0\"", json{{"id", req.id}});
  auto method = message.find("method");
  if (method == message.end() || !method->is_string())
    throw Error(kInvalidRequest, "invalid request: \"method\" must be a string", json{{"id", req.id}});
  req.method = method->get<std::string>();
  auto params = message.find("params");
  if (params == message.end() || params->is_null())
    req.params = json::object();
  else if (params->is_object())
    req.params = *params;
  else
    throw Error(kInvalidParams, "invalid params: \"params\" must be an object", json{{"id", req.id}});
  return req;
}

std::string encode_request(const json& id, std::string_view method, const json& params) {
  return line_of({{"jsonrpc", "2.0"}, {"id", id}, {"method", method}, {"params", params}});
}

std::string encode_notification(std::string_view method, const json& params) {
  return line_of({{"jsonrpc", "2.0"}, {"method", method}, {"params", params}});
}

std::string encode_result(const json& id, const json& result) {
  return line_of({{"jsonrpc", "2.0"}, {"id", id}, {"result", result}});
}

std::string encode_result_text(const json& id, std::string_view result_text) {
  // nlohmann writes the keys sorted: id, jsonrpc, result.
  std::string line =
      "{\"id\":" + id.dump(-1, ' ', false, json::error_handler_t::replace) + ",\"jsonrpc\":\"2.0\",\"result\":";
  line.reserve(line.size() + result_text.size() + 2);
  line += result_text;
  line += "}\n";
  return line;
}

std::string encode_error(const json& id, int code, std::string_view message, const json& data) {
  json error = {{"code", code}, {"message", message}};
  if (!data.is_null()) error["data"] = data;
  return line_of({{"jsonrpc", "2.0"}, {"id", id}, {"error", error}});
}

Response parse_response(std::string_view line) {
  BoundedJson parsed = parse_json_bounded(line);
  json& message = parsed.value;
  auto version = message.is_object() ? message.find("jsonrpc") : json::iterator{};
  if (parsed.status != BoundedJson::kOk || !message.is_object() || version == message.end() || *version != "2.0")
    throw Error(kParseError, "the daemon sent something that is not a JSON-RPC 2.0 message");
  Response r;
  if (message.contains("method")) {
    r.is_notification = true;
    r.method = optional_param(message, "method", std::string());
    if (auto params = message.find("params"); params != message.end() && params->is_object())
      r.params = std::move(*params);
    else
      r.params = json::object();
    return r;
  }
  r.id = message.contains("id") ? message["id"] : json();
  if (auto err = message.find("error"); err != message.end() && err->is_object()) {
    r.error_code = optional_param(*err, "code", static_cast<int>(kInternalError));
    r.error_message = optional_param(*err, "message", std::string("unknown error"));
    r.error_data = err->contains("data") ? (*err)["data"] : json();
  } else if (auto res = message.find("result"); res != message.end()) {
    r.ok = true;
    r.result = std::move(*res);  // a list of 1,000 instances is a quarter of a megabyte: no copy
  } else {
    throw Error(kParseError, "the daemon sent a reply with neither result nor error");
  }
  return r;
}

Response parse_response_keeping_text(std::string line) {
  std::optional<std::string_view> result;
  if (is_json_text(line)) result = json_member_text(line, "result", kMaxJsonDepth);
  if (!result) return parse_response(line);  // no result to keep, or too deep: as strict as ever
  // The envelope alone is parsed, with the result's place held by a null.
  const std::size_t start = static_cast<std::size_t>(result->data() - line.data());
  const std::size_t size = result->size();
  std::string envelope;
  envelope.reserve(line.size() - size + 4);
  envelope.append(line, 0, start).append("null").append(line, start + size);
  Response r = parse_response(envelope);
  if (r.ok) {
    // The result's text, cut out of the line in place (a large list is not copied into new pages).
    line.resize(start + size);
    line.erase(0, start);
    r.result_text = std::move(line);
  }
  return r;
}

namespace {

[[noreturn]] void wrong_type(const char* name, json::value_t type) {
  throw Error(kInvalidParams, std::string("invalid params: \"") + name + "\" must be " + type_name(type));
}

}  // namespace

template <>
bool optional_param<bool>(const json& params, const char* name, bool fallback) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) wrong_type(name, json::value_t::boolean);
  return it->get<bool>();
}

template <>
std::string optional_param<std::string>(const json& params, const char* name, std::string fallback) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null()) return fallback;
  if (!it->is_string()) wrong_type(name, json::value_t::string);
  return it->get<std::string>();
}

template <>
int optional_param<int>(const json& params, const char* name, int fallback) {
  auto it = params.find(name);
  if (it == params.end() || it->is_null()) return fallback;
  if (!it->is_number_integer()) wrong_type(name, json::value_t::number_integer);
  if (it->is_number_unsigned() ? it->get<std::uint64_t>() > INT32_MAX
                               : (it->get<std::int64_t>() > INT32_MAX || it->get<std::int64_t>() < INT32_MIN))
    throw Error(kInvalidParams, std::string("invalid params: \"") + name + "\" is out of range");
  return it->get<int>();
}

const json& require_param(const json& params, const char* name, json::value_t type) {
  auto it = params.find(name);
  if (it == params.end()) throw Error(kInvalidParams, std::string("invalid params: missing \"") + name + "\"");
  bool ok = it->type() == type || (type == json::value_t::number_integer && it->is_number_unsigned()) ||
            (type == json::value_t::number_float && it->is_number());
  if (!ok) throw Error(kInvalidParams, std::string("invalid params: \"") + name + "\" must be " + type_name(type));
  return *it;
}

}  // namespace pmd::rpc
