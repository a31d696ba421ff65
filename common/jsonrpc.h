// JSON-RPC 2.0 as pmd speaks it: one compact JSON object per line on the Unix socket.
// Both sides build and read messages only through these functions, so the wire format lives here.
#pragma once

#include <nlohmann/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>

namespace pmd::rpc {

using json = nlohmann::json;

/// Largest request line the daemon accepts; larger ones get kInvalidRequest.
inline constexpr std::size_t kMaxMessageBytes = 1 << 20;

/// Standard JSON-RPC codes, then pmd's own in the server range -32000..-32099.
enum ErrorCode : int {
  kParseError = -32700,
  kInvalidRequest = -32600,
  kMethodNotFound = -32601,
  kInvalidParams = -32602,
  kInternalError = -32603,
  kAppNotFound = -32001,
  kAppExists = -32002,
  kSpawnFailed = -32003,
  kPermissionDenied = -32004,
  kShuttingDown = -32005,
  kAppBusy = -32006,        // a reload or scale of the app is already under way
  kReloadAborted = -32007,  // a replacement failed; the old instances keep serving
  kDumpFailed = -32008,     // the dump could not be written, or read back (nothing was restored)
  kNothingToSave = -32009,  // save with no apps: it would empty the dump (save --force does)
};

/// The one error type handlers throw; the dispatcher turns it into a JSON-RPC error object.
class Error : public std::runtime_error {
 public:
  Error(int code, const std::string& message, json data = nullptr)
      : std::runtime_error(message), code_(code), data_(std::move(data)) {}
  int code() const { return code_; }
  const json& data() const { return data_; }

 private:
  int code_;
  json data_;
};

struct Request {
  json id;
  bool is_notification = false;  // no "id" member: execute, send nothing back
  std::string method;
  json params;  // object (possibly empty)
};

/// Parses one request line; throws Error(kParseError) for bad JSON and Error(kInvalidRequest) for
/// JSON that is not a JSON-RPC 2.0 request. The id is recovered whenever possible for the reply.
Request parse_request(std::string_view line);

std::string encode_request(const json& id, std::string_view method, const json& params);
std::string encode_notification(std::string_view method, const json& params);
std::string encode_result(const json& id, const json& result);
/// The same line as encode_result, for a result already written as JSON text (one valid value).
std::string encode_result_text(const json& id, std::string_view result_text);
std::string encode_error(const json& id, int code, std::string_view message, const json& data = nullptr);

/// A reply as the client sees it: either a result or an error.
struct Response {
  json id;
  bool ok = false;
  json result;
  int error_code = 0;
  std::string error_message;
  json error_data;
  bool is_notification = false;  // a stream message (method + params), not a reply
  std::string method;
  json params;
  std::string result_text;  // parse_response_keeping_text: the result as the daemon wrote it
};

/// Parses one line from the daemon; throws Error(kParseError) if it is not a JSON-RPC message.
Response parse_response(std::string_view line);
/// The same, except that a result is not parsed but kept as text in result_text (result stays
/// null): for results printed as they came (`list --json`). Checked as strictly: valid JSON,
/// nested no deeper than parse_response allows.
Response parse_response_keeping_text(std::string line);

/// Reads an optional parameter (bool, int or std::string): `fallback` when absent or null,
/// Error(kInvalidParams) naming it when it has another type (or an int out of range).
template <typename T>
T optional_param(const json& params, const char* name, T fallback);
template <>
bool optional_param<bool>(const json& params, const char* name, bool fallback);
template <>
int optional_param<int>(const json& params, const char* name, int fallback);
template <>
std::string optional_param<std::string>(const json& params, const char* name, std::string fallback);

/// Reads a parameter of the expected JSON type, or throws Error(kInvalidParams) naming it.
const json& require_param(const json& params, const char* name, json::value_t type);

}  // namespace pmd::rpc
