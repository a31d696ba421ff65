// JSON-RPC decoding and the errors bad requests get.
#include "jsonrpc.h"

#include <catch2/catch.hpp>

using namespace pmd::rpc;

namespace {
int error_code_of(const std::string& line) {
  try {
    parse_request(line);
  } catch (const Error& e) {
    return e.code();
  }
  return 0;
}
}  // namespace

TEST_CASE("a well-formed request is read with its id, method and params", "[jsonrpc]") {
  auto r = parse_request(R"({"jsonrpc":"2.0","id":7,"method":"stop","params":{"target":"api"}})");
  CHECK(r.id == 7);
  CHECK(r.method == "stop");
  CHECK(r.params["target"] == "api");
  CHECK_FALSE(r.is_notification);
  auto n = parse_request(R"({"jsonrpc":"2.0","method":"ping"})");
  CHECK(n.is_notification);
  CHECK(n.params.is_object());
}

TEST_CASE("bad requests map to the standard JSON-RPC codes", "[jsonrpc]") {
  CHECK(error_code_of("{not json") == kParseError);
  CHECK(error_code_of("") == kParseError);
  CHECK(error_code_of("[1,2]") == kInvalidRequest);
  CHECK(error_code_of(R"({"id":1,"method":"ping"})") == kInvalidRequest);  // no jsonrpc
  CHECK(error_code_of(R"({"jsonrpc":"1.0","id":1,"method":"ping"})") == kInvalidRequest);
  CHECK(error_code_of(R"({"jsonrpc":"2.0","id":1,"method":5})") == kInvalidRequest);
  CHECK(error_code_of(R"({"jsonrpc":"2.0","id":1,"method":"stop","params":[1]})") == kInvalidParams);
}

TEST_CASE("the id of an invalid request is kept for the reply", "[jsonrpc]") {
  try {
    parse_request(R"({"jsonrpc":"2.0","id":"abc","method":7})");
    FAIL("expected an error");
  } catch (const Error& e) {
    CHECK(e.data()["id"] == "abc");
  }
}

TEST_CASE("replies round-trip through encode and parse_response", "[jsonrpc]") {
  auto ok = parse_response(encode_result(3, json{{"pong", true}}));
  CHECK(ok.ok);
  CHECK(ok.id == 3);
  CHECK(ok.result["pong"] == true);
  auto err = parse_response(encode_error(4, kAppNotFound, "no app named 'x'"));
  CHECK_FALSE(err.ok);
  CHECK(err.error_code == kAppNotFound);
  CHECK(err.error_message == "no app named 'x'");
  auto note = parse_response(encode_notification("log", json{{"line", "hi"}}));
  CHECK(note.is_notification);
  CHECK(note.method == "log");
}

TEST_CASE("encoded messages are one line, even with invalid UTF-8 inside", "[jsonrpc]") {
  std::string line = encode_result(1, json{{"name", std::string("bad\xff\n")}});
  CHECK(line.back() == '\n');
  CHECK(line.find('\n') == line.size() - 1);
}

TEST_CASE("require_param names the missing or mistyped parameter", "[jsonrpc]") {
  json params = {{"target", 5}};
  CHECK_THROWS_WITH(require_param(params, "name", json::value_t::string), Catch::Contains("missing \"name\""));
  CHECK_THROWS_WITH(require_param(params, "target", json::value_t::string), Catch::Contains("must be a string"));
}
