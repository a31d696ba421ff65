// json_member_text and parse_response_keeping_text: a reply's result kept as text is exactly the
// text a parse would have read, and nothing a full parse refuses gets through.
#include "json_member_text.h"
#include "bounded_json.h"
#include "jsonrpc.h"

#include <catch2/catch.hpp>

#include <string>

using namespace pmd;
using nlohmann::json;

TEST_CASE("json_member_text finds a top-level member's text past strings, brackets and escapes", "[json_member_text]") {
  const std::string text =
      R"( { "a" : "x\"}],{" , "nested": {"result": 1, "b": [ {"}": "]"} ]}, "result" : [ {"k": "v\\"}, 2.5e3, null ] ,"z":true} )";
  REQUIRE(json::accept(text));
  auto found = json_member_text(text, "result", 64);
  REQUIRE(found);
  CHECK(*found == R"([ {"k": "v\\"}, 2.5e3, null ])");
  CHECK(json::parse(*found) == json::parse(text)["result"]);
  CHECK(json_member_text(text, "z", 64) == std::optional<std::string_view>("true"));
  CHECK(json_member_text(text, "a", 64) == std::optional<std::string_view>(R"("x\"}],{")"));
  CHECK_FALSE(json_member_text(text, "missing", 64));
  CHECK_FALSE(json_member_text("[1,2]", "result", 64));
  CHECK_FALSE(json_member_text("{}", "result", 64));
  CHECK(json_member_text(R"({"result":1,"result":22})", "result", 64) == std::optional<std::string_view>("22"));
  CHECK(json_member_text(R"({"result":-0.5})", "result", 64) == std::optional<std::string_view>("-0.5"));
}

TEST_CASE("json_member_text counts the levels as parse_json_bounded does", "[json_member_text]") {
  auto nested = [](int levels) {  // an object holding "result" nested to `levels` in all
    return "{\"result\":" + std::string(static_cast<std::size_t>(levels - 1), '[') +
           std::string(static_cast<std::size_t>(levels - 1), ']') + "}";
  };
  CHECK(parse_json_bounded(nested(64)).status == BoundedJson::kOk);
  CHECK(json_member_text(nested(64), "result", 64));
  CHECK(parse_json_bounded(nested(65)).status == BoundedJson::kTooDeep);
  CHECK_FALSE(json_member_text(nested(65), "result", 64));
}

TEST_CASE("a reply read keeping its result as text says what a parsed one says", "[json_member_text][jsonrpc]") {
  const json rows = {{{"id", 0}, {"name", "api \"x\""}, {"cpu", 0.5}}, {{"id", 1}, {"name", "é"}, {"cpu", 0.0}}};
  const std::string line = rpc::encode_result(7, rows);
  rpc::Response kept = rpc::parse_response_keeping_text(line.substr(0, line.size() - 1));
  CHECK(kept.ok);
  CHECK(kept.id == 7);
  CHECK(kept.result.is_null());
  CHECK(kept.result_text == json_text(rows));

  // An error, a notification, and what is not JSON-RPC: as parse_response reads them.
  rpc::Response error = rpc::parse_response_keeping_text(rpc::encode_error(3, rpc::kAppNotFound, "no app"));
  CHECK_FALSE(error.ok);
  CHECK(error.error_code == rpc::kAppNotFound);
  CHECK(error.result_text.empty());
  rpc::Response note = rpc::parse_response_keeping_text(rpc::encode_notification("progress", {{"message", "m"}}));
  CHECK(note.is_notification);
  CHECK(note.result_text.empty());
  for (std::string bad :
       {std::string(R"({"jsonrpc":"2.0","id":1,"result":[1,2)"), std::string(R"({"id":1,"result":[]})"),
        std::string("{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":\"\xff\"}"),
        "{\"jsonrpc\":\"2.0\",\"id\":1,\"result\":" + std::string(70, '[') + std::string(70, ']') + "}"})
    CHECK_THROWS_AS(rpc::parse_response_keeping_text(bad), rpc::Error);
}
