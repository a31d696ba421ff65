// parse_json_bounded: what it accepts, what it refuses, and how deep it lets JSON nest.
#include "bounded_json.h"

#include <catch2/catch.hpp>

#include <string>

using namespace pmd;

namespace {

std::string nested(int levels, char open = '[', char close = ']') {
  return std::string(static_cast<std::size_t>(levels), open) + std::string(static_cast<std::size_t>(levels), close);
}

}  // namespace

TEST_CASE("bounded JSON parses what nlohmann parses and nests up to the bound, no deeper", "[json]") {
  auto ok = parse_json_bounded(R"({"a":[1,2.5,"x",null,true,{"b":{}}],"c":"é"})");
  REQUIRE(ok.status == BoundedJson::kOk);
  CHECK(ok.value["a"][1] == 2.5);
  CHECK(ok.value["a"][5]["b"].is_object());
  CHECK(ok.value["c"] == "é");

  CHECK(parse_json_bounded(nested(64)).status == BoundedJson::kOk);
  CHECK(parse_json_bounded(nested(65)).status == BoundedJson::kTooDeep);
  CHECK(parse_json_bounded(nested(3), 3).status == BoundedJson::kOk);
  CHECK(parse_json_bounded(nested(4), 3).status == BoundedJson::kTooDeep);
  // Objects count as levels too, mixed with arrays.
  CHECK(parse_json_bounded(R"({"a":[{"b":[]}]})", 4).status == BoundedJson::kOk);
  CHECK(parse_json_bounded(R"({"a":[{"b":[[]]}]})", 4).status == BoundedJson::kTooDeep);
  // A hostile depth stops at the bound (before, a copy of it overflowed the stack).
  const auto deep = parse_json_bounded(std::string(100000, '['));
  CHECK(deep.status == BoundedJson::kTooDeep);
  CHECK(deep.value.is_null());
}

TEST_CASE("bounded JSON refuses what is not one JSON value, leaving null", "[json]") {
  for (const char* bad : {"", "{", "[1,]", "{\"a\":1} trailing", "\"\xff\"", "nul", "[1 2]", "{\"a\" 1}"}) {
    INFO(bad);
    const auto r = parse_json_bounded(bad);
    CHECK(r.status == BoundedJson::kInvalid);
    CHECK(r.value.is_null());
  }
  CHECK(parse_json_bounded("  42 ").value == 42);
}
