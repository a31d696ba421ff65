// Interpreter inference from the script's extension, as PM2 does it.
#include "interpreter.h"

#include <catch2/catch.hpp>

using pmd::config::interpreter_for;

TEST_CASE("extensions map to PM2's interpreters", "[interpreter]") {
  CHECK(interpreter_for("app.js") == "node");
  CHECK(interpreter_for("/srv/api/server.cjs") == "node");
  CHECK(interpreter_for("esm.mjs") == "node");
  CHECK(interpreter_for("worker.py") == "python3");
  CHECK(interpreter_for("run.sh") == "bash");
  CHECK(interpreter_for("app.rb") == "ruby");
  CHECK(interpreter_for("index.php") == "php");
  CHECK(interpreter_for("tool.pl") == "perl");
}

TEST_CASE("other files are exec'd themselves", "[interpreter]") {
  CHECK(interpreter_for("./api") == "");
  CHECK(interpreter_for("/usr/bin/redis-server") == "");
  CHECK(interpreter_for("archive.tar.gz") == "");
  CHECK(interpreter_for(".hidden") == "");
  CHECK(interpreter_for("dir.js/binary") == "");
}

TEST_CASE("node is recognised by name or path, as node or nodejs, and nothing else", "[interpreter]") {
  using pmd::config::is_node_interpreter;
  CHECK(is_node_interpreter("node"));
  CHECK(is_node_interpreter("nodejs"));
  CHECK(is_node_interpreter("/usr/bin/nodejs"));
  CHECK(is_node_interpreter("/home/u/.nvm/versions/node/v20.1.0/bin/node"));
  CHECK_FALSE(is_node_interpreter(""));
  CHECK_FALSE(is_node_interpreter("none"));
  CHECK_FALSE(is_node_interpreter("/usr/bin/python3"));
  CHECK_FALSE(is_node_interpreter("/opt/node/bin/bun"));
}
