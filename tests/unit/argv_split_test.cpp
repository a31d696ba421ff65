// Splitting command lines without a shell.
#include "argv_split.h"

#include <catch2/catch.hpp>

using pmd::config::has_shell_syntax;
using pmd::config::split_command_line;
using Words = std::vector<std::string>;

TEST_CASE("words, quotes and backslashes split as a shell would", "[argv]") {
  CHECK(std::get<Words>(split_command_line("run start")) == Words{"run", "start"});
  CHECK(std::get<Words>(split_command_line("  -a   'b c'  \"d \\\"e\\\"\" f\\ g ")) ==
        Words{"-a", "b c", "d \"e\"", "f g"});
  CHECK(std::get<Words>(split_command_line("--x=''")) == Words{"--x="});
  CHECK(std::get<Words>(split_command_line("")).empty());
  CHECK(std::get<std::string>(split_command_line("'open")) == "unterminated single quote in \"'open\"");
}

TEST_CASE("shell syntax is recognised outside single quotes", "[argv]") {
  CHECK(has_shell_syntax("a | b"));
  CHECK(has_shell_syntax("a && b"));
  CHECK(has_shell_syntax("a; b"));
  CHECK(has_shell_syntax("echo $HOME"));
  CHECK(has_shell_syntax("echo \"$HOME\""));
  CHECK(has_shell_syntax("a > out.log"));
  CHECK_FALSE(has_shell_syntax("npm run start"));
  CHECK_FALSE(has_shell_syntax("echo 'a | b'"));
  CHECK_FALSE(has_shell_syntax("node --title=x"));
}
