// is_json_text accepts exactly what nlohmann::json::accept does: every case below is checked
// against both, so a difference in either direction fails (the fuzz target json_check keeps
// looking for more).
#include "json_check.h"

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include <string>
#include <vector>

using pmd::is_json_text;

namespace {

void check_agrees(const std::string& text, bool expected) {
  INFO("text: " << text);
  CHECK(nlohmann::json::accept(text) == expected);  // the case says what the reference does
  CHECK(is_json_text(text) == expected);
}

}  // namespace

TEST_CASE("is_json_text takes the JSON values nlohmann accepts", "[json_check]") {
  const std::vector<std::string> valid = {
      "0",
      "-0",
      "1",
      "-12",
      "1.5",
      "-0.25e-3",
      "1E+2",
      "1e308",
      "1.7976931348623157e308",
      "1e-400",  // rounds to 0: accepted
      "123456789012345678901234567890",
      "0.0000000000000000000000000001e-350",
      "true",
      "false",
      "null",
      R"("")",
      R"("a\"\\\/\b\f\n\r\t")",
      R"("\u00e9\u20AC")",
      R"("\ud83d\ude00")",
      "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"",
      "[]",
      "{}",
      "[ ]",
      "{ }",
      " \t\r\n[1, [2, [3, {}]], {\"a\": {\"b\": []}}] \n",
      R"({"a":1,"a":2})",
      R"({"":null})",
      "\xEF\xBB\xBF{}",
      "\xEF\xBB\xBF  7 ",
      R"({"id":1,"jsonrpc":"2.0","result":[{"name":"x","pm_id":0}]})",
      std::string("{} \0 what follows a NUL is not read", 35)};  // nlohmann's end of input
  for (const auto& text : valid)
    if (!text.empty()) check_agrees(text, true);
  std::string deep(10000, '[');
  deep += std::string(10000, ']');
  check_agrees(deep, true);
}

TEST_CASE("is_json_text refuses what nlohmann refuses", "[json_check]") {
  const std::vector<std::string> invalid = {"",
                                            " ",
                                            "01",
                                            "-",
                                            "-01",
                                            "1.",
                                            ".5",
                                            "1e",
                                            "1e+",
                                            "+1",
                                            "0x10",
                                            "1 2",
                                            "NaN",
                                            "Infinity",
                                            "1e309",
                                            "-1e999",
                                            std::string(400, '9'),  // an integer too large for a double
                                            "tru",
                                            "nul",
                                            "truex",
                                            "[1,]",
                                            "{\"a\":1,}",
                                            "[1 2]",
                                            "{\"a\" 1}",
                                            "{a:1}",
                                            "{1:2}",
                                            "[",
                                            "]",
                                            "{",
                                            "}",
                                            "[}",
                                            "{]",
                                            "[[]",
                                            "[]]",
                                            "\"",
                                            "\"abc",
                                            "\"\\x\"",
                                            "\"\\u12\"",
                                            "\"\\u12G4\"",
                                            "\"\\ud83d\"",
                                            "\"\\ud83d\\u0041\"",
                                            "\"\\ude00\"",
                                            "\"\\ud83dx\"",
                                            std::string("\"a\0b\"", 5),
                                            "\"tab\there\"",
                                            "\"\xC3\"",
                                            "\"\xC0\x80\"",
                                            "\"\xED\xA0\x80\"",
                                            "\"\xF4\x90\x80\x80\"",
                                            "\"\xFF\"",
                                            "\xEF\xBB{}",
                                            "\xEF{}",
                                            "{} // comment",
                                            "/* c */ {}",
                                            std::string("[1,\0 2]", 7),
                                            std::string("\0{}", 3),
                                            "[1]\n[2]",
                                            "'single'"};
  for (const auto& text : invalid) check_agrees(text, false);
}

TEST_CASE("is_json_text tells an overflowing number from one that rounds to zero", "[json_check]") {
  // An exponent far past a double's, offset by a million zeros before the first digit: the
  // value is still ~10^(10^11) (refused) or ~10^-(10^11) (rounded to 0, taken).
  const std::string zeros = "0." + std::string(1000000, '0') + "1e";
  check_agrees(zeros + "99999999999", false);
  check_agrees(zeros + "-99999999999", true);
  check_agrees(zeros + "1000000", true);                // 10^-2: in range
  check_agrees(std::string(400, '9') + "e-500", true);  // 10^-100
  check_agrees("-" + std::string(309, '9'), false);
}

TEST_CASE("is_json_text reads a large reply without building it", "[json_check]") {
  nlohmann::json list = nlohmann::json::array();
  for (int i = 0; i < 1000; ++i)
    list.push_back(
        {{"name", "app-" + std::to_string(i)}, {"pid", 4000 + i}, {"cpu", 0.5 * i}, {"env", {{"K", "v\u00e9"}}}});
  const std::string text = nlohmann::json{{"id", 7}, {"jsonrpc", "2.0"}, {"result", list}}.dump();
  CHECK(is_json_text(text));
  CHECK_FALSE(is_json_text(text.substr(0, text.size() - 1)));
}
