// JsonWriter writes the bytes nlohmann's dump() writes, so a reply written directly cannot be told
// from one built as a DOM.
#include "json_writer.h"
#include "bounded_json.h"
#include "jsonrpc.h"

#include <catch2/catch.hpp>

#include <cstdint>
#include <limits>

using namespace pmd;
using nlohmann::json;

TEST_CASE("JsonWriter writes what dump() writes, scalars and nesting included", "[json_writer]") {
  std::string text;
  JsonWriter w(text);
  w.begin_array();
  w.begin_object();
  w.key("a").value(0.0);
  w.key("b").value(12.345);
  w.key("c").value(1e-7);
  w.key("d").value(std::numeric_limits<std::uint64_t>::max());
  w.key("e").value(-42);
  w.key("f").null();
  w.key("g").value(true);
  w.key("h").value(std::string("quote \" backslash \\ newline \n tab \t \x01 é"));
  w.key("i").value(std::string("bad \xff utf-8"));
  w.key("j").begin_array();
  w.end_array();
  w.key("k").begin_object();
  w.key("x").value(json{{"nested", {1, 2.5, "three"}}});
  w.end_object();
  w.end_object();
  w.begin_object();
  w.end_object();
  w.value(7);
  w.end_array();

  json dom = json::array();
  dom.push_back({{"a", 0.0},
                 {"b", 12.345},
                 {"c", 1e-7},
                 {"d", std::numeric_limits<std::uint64_t>::max()},
                 {"e", -42},
                 {"f", nullptr},
                 {"g", true},
                 {"h", "quote \" backslash \\ newline \n tab \t \x01 é"},
                 {"i", "bad \xff utf-8"},
                 {"j", json::array()},
                 {"k", {{"x", {{"nested", {1, 2.5, "three"}}}}}}});
  dom.push_back(json::object());
  dom.push_back(7);
  CHECK(text == json_text(dom));
  CHECK(parse_json_bounded(text).status == BoundedJson::kOk);
}

TEST_CASE("a result written as text makes the same reply line as one built as a DOM", "[json_writer][jsonrpc]") {
  const json result = {{{"id", 0}, {"name", "api"}}, {{"id", 1}, {"name", "w\xfe"}}};
  for (const json& id : {json(7), json("seven"), json(nullptr)})
    CHECK(rpc::encode_result_text(id, json_text(result)) == rpc::encode_result(id, result));
}
