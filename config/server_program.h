// Server programs pmd recognises, and how each is run well in cluster mode: its graceful stop
// signal, how it says it is ready, and the arguments that make it serve the socket pmd passes at
// fd 3 instead of binding its own. Pure: decided from the argv alone, so it has table tests.
//
//   gunicorn  SIGTERM (SIGINT is its quick shutdown); READY=1 over sd_notify; reads LISTEN_FDS
//   uvicorn   SIGTERM; says nothing (min_uptime); `--fd 3`
//   puma      SIGTERM; says nothing here (its sd_notify needs a gem Debian lacks);
//             LISTEN_FDS with `--bind-to-activated-sockets only`
//
// A program is recognised by its script's or interpreter's file name (a virtualenv's
// bin/gunicorn too), as `python3 -m gunicorn|uvicorn`, or as `bundle exec puma`.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pmd::config {

struct ServerProgram {
  std::string name;      // "gunicorn"
  int stop_signal = 15;  // its graceful stop
  std::string ready_on;  // "notify", or "" when it says nothing (min_uptime decides)
  // Appended when the app shares pmd's socket and its arguments do not already say where to
  // listen; empty when the program reads LISTEN_FDS by itself.
  std::vector<std::string> socket_args;
  // Arguments that make it bind an address itself (then pmd's socket would be ignored).
  std::vector<std::string> binds_itself;
};

/// The recognised server program of an app's argv, or nullopt.
std::optional<ServerProgram> recognise_server(const std::string& script, const std::string& interpreter,
                                              const std::vector<std::string>& args,
                                              const std::vector<std::string>& interpreter_args);

/// The first of `program.binds_itself` (or of its socket_args' own options) found in `args`, or
/// "": an argument that already says where to listen.
std::string listen_argument_in(const ServerProgram& program, const std::vector<std::string>& args);

}  // namespace pmd::config
