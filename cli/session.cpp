// Session: connection, call, error reporting.
#include "session.h"

#include "bounded_json.h"
#include "list_sort.h"
#include "render.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>

namespace pmd::cli {

using nlohmann::json;

void print_error(const std::string& message) { std::fprintf(stderr, "pmctl: error: %s\n", message.c_str()); }
void print_warning(const std::string& message) { std::fprintf(stderr, "pmctl: warning: %s\n", message.c_str()); }

Session::Session(bool autostart) : paths_(home_paths(default_home())), autostart_(autostart) {}

int Session::call_for(const std::string& method, const json& params, bool as_text, rpc::Response& reply) {
  if (!client_ && !connect()) return kExitNoDaemon;
  try {
    reply = client_->call(
        method, params,
        [this](const rpc::Response& note) {
          if (print_progress_ && note.method == "progress") {
            std::cout << note.params.value("message", "") << std::endl;
          }
        },
        as_text);
    if (!reply.ok) {
      last_error_code_ = reply.error_code;
      last_error_message_ = reply.error_message;
      if (!quiet_) print_error(reply.error_message);
      return kExitFailed;
    }
    return kExitOk;
  } catch (const std::exception& e) {
    print_error(ended_because(e.what()));
    return kExitNoDaemon;
  }
}

namespace {
std::optional<RemoteHost> remote;
}  // namespace

void use_remote_host(const RemoteHost& host) { remote = host; }

bool Session::connect() {
  if (remote) {
    std::vector<std::string> words = {"--stdio"};
    if (!autostart_) words.push_back("--no-start");
    auto channel = SshChannel::open(*remote, words);
    if (auto* error = std::get_if<std::string>(&channel)) {
      print_error(*error);
      return false;
    }
    ssh_.emplace(std::move(std::get<SshChannel>(channel)));
    client_.emplace(ssh_->release_fd());
    return true;
  }
  auto connection = connect_to_daemon(paths_, autostart_);
  if (!connection.client) {
    print_error(connection.error);
    return false;
  }
  client_.emplace(std::move(*connection.client));
  return true;
}

std::string Session::ended_because(const std::string& what) {
  if (!ssh_) return what;
  // Over ssh, a connection that ends before the answer is ssh's failure or the remote pmctl's.
  client_.reset();
  int status = 0;
  std::string why = ssh_->failure(status);
  ssh_.reset();
  return why.empty() ? what : why;
}

int Session::call(const std::string& method, const json& params, json& result) {
  rpc::Response reply;
  const int rc = call_for(method, params, false, reply);
  if (rc == kExitOk) result = std::move(reply.result);
  return rc;
}

int Session::call_for_text(const std::string& method, const json& params, std::string& result_text) {
  rpc::Response reply;
  const int rc = call_for(method, params, true, reply);
  if (rc == kExitOk) result_text = std::move(reply.result_text);
  return rc;
}

int Session::call_quietly(const std::string& method, const json& params, json& result) {
  quiet_ = true;
  int rc = call(method, params, result);
  quiet_ = false;
  return rc;
}

namespace {
bool color_disabled = false;
bool output_silenced = false;
}  // namespace

bool color_output() {
  const char* no_color = std::getenv("NO_COLOR");
  return !color_disabled && (no_color == nullptr || *no_color == '\0') && ::isatty(STDOUT_FILENO) == 1;
}

void disable_color() { color_disabled = true; }

void silence_output() { output_silenced = true; }

int show_list(Session& session, bool as_json, const std::string& sort) {
  if (output_silenced && !as_json) return kExitOk;
  if (as_json && sort.empty()) {
    // Printed as the daemon wrote it (checked valid): no parse and print of a large list.
    std::string text;
    if (int rc = session.call_for_text("list", json::object(), text); rc != kExitOk) return rc;
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fputc('\n', stdout);
    return kExitOk;
  }
  json result;
  if (int rc = session.call("list", json::object(), result); rc != kExitOk) return rc;
  if (!sort.empty())
    if (auto error = sort_rows(result, sort)) {
      print_error(*error);
      return kExitUsage;
    }
  if (as_json)
    std::cout << json_text(result) << "\n";
  else
    std::cout << render_list(result, color_output());
  return kExitOk;
}

}  // namespace pmd::cli
