// Which server programs pmd recognises, and what it makes of them.
#include "server_program.h"

#include <catch2/catch.hpp>

using pmd::config::listen_argument_in;
using pmd::config::recognise_server;
using Args = std::vector<std::string>;

TEST_CASE("server programs are recognised by script, interpreter or module", "[server_program]") {
  struct Row {
    const char* script;
    const char* interpreter;
    Args args, interpreter_args;
    const char* expected;  // "" = not recognised
  };
  const Row rows[] = {
      {"/usr/bin/gunicorn", "", {"app:app"}, {}, "gunicorn"},
      {"/srv/venv/bin/gunicorn", "", {}, {}, "gunicorn"},
      {"/usr/bin/gunicorn3", "", {}, {}, "gunicorn"},
      {"/usr/bin/python3", "", {"-m", "uvicorn", "main:app"}, {}, "uvicorn"},
      {"/usr/bin/python3.11", "", {"-m", "gunicorn", "app:app"}, {}, "gunicorn"},
      {"/srv/venv/bin/uvicorn", "", {"main:app"}, {}, "uvicorn"},
      {"/usr/bin/puma", "", {"config.ru"}, {}, "puma"},
      {"/usr/local/bin/bundle", "", {"exec", "puma", "-C", "config/puma.rb"}, {}, "puma"},
      {"/srv/app/wsgi.py", "/usr/bin/gunicorn", {}, {}, "gunicorn"},
      {"/srv/venv/bin/gunicorn", "/usr/bin/python3", {}, {}, "gunicorn"},
      {"/srv/app/main.py", "/usr/bin/python3", {}, {"-m", "uvicorn"}, "uvicorn"},
      // Not servers, or not ones pmd knows.
      {"/usr/bin/python3", "", {"-m", "http.server"}, {}, ""},
      {"/srv/app/server.js", "/usr/bin/node", {}, {}, ""},
      {"/srv/app/gunicorn.conf.py", "/usr/bin/python3", {}, {}, ""},
      {"/usr/local/bin/bundle", "", {"exec", "rails", "s"}, {}, ""},
      {"/usr/bin/python3", "", {"uvicorn"}, {}, ""},
  };
  for (const Row& row : rows) {
    INFO(row.script << " / " << row.interpreter);
    auto server = recognise_server(row.script, row.interpreter, row.args, row.interpreter_args);
    CHECK((server ? server->name : std::string()) == row.expected);
  }
}

TEST_CASE("each recognised server gets its graceful signal, readiness and socket arguments", "[server_program]") {
  auto gunicorn = recognise_server("/usr/bin/gunicorn", "", {}, {});
  REQUIRE(gunicorn);
  CHECK(gunicorn->stop_signal == 15);  // SIGINT is gunicorn's quick shutdown
  CHECK(gunicorn->ready_on == "notify");
  CHECK(gunicorn->socket_args.empty());  // it reads LISTEN_FDS itself

  auto uvicorn = recognise_server("/usr/bin/uvicorn", "", {}, {});
  REQUIRE(uvicorn);
  CHECK(uvicorn->stop_signal == 15);
  CHECK(uvicorn->ready_on.empty());
  CHECK(uvicorn->socket_args == Args{"--fd", "3"});
  CHECK(listen_argument_in(*uvicorn, {"main:app"}).empty());
  CHECK(listen_argument_in(*uvicorn, {"main:app", "--port", "8000"}) == "--port");
  CHECK(listen_argument_in(*uvicorn, {"main:app", "--port=8000"}) == "--port");
  CHECK(listen_argument_in(*uvicorn, {"--fd", "3", "main:app"}) == "--fd");

  auto puma = recognise_server("/usr/bin/puma", "", {}, {});
  REQUIRE(puma);
  CHECK(puma->socket_args == Args{"--bind-to-activated-sockets", "only"});
  CHECK(listen_argument_in(*puma, {"-p8080"}) == "-p");
  CHECK(listen_argument_in(*puma, {"-b", "tcp://0.0.0.0:80"}) == "-b");
  CHECK(listen_argument_in(*puma, {"config.ru"}).empty());
}
