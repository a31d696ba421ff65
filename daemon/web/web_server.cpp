// Serving the dashboard.
#include "web/web_server.h"

#include "bounded_json.h"
#include "loop/detached.h"
#include "web/daemon_connection.h"
#include "web/tcp_listener.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <chrono>

namespace pmd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;
using nlohmann::json;

namespace {

using Request = http::request<http::string_body>;

// How long a read waits for pmd (a reload of many instances takes long: actions wait longer).
constexpr std::chrono::seconds kReadPatience{30};
constexpr std::chrono::hours kActionPatience{1};
// A live log stream says something at least this often, so a browser gone is noticed.
constexpr std::chrono::seconds kHeartbeat{15};
// A reader that does not take a write within this long is let go.
constexpr std::chrono::seconds kWriteDeadline{60};

constexpr const char* kPagePolicy =
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; "
    "base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

// Boost 1.74's Beast speaks boost::string_view.
std::string_view std_view(beast::string_view text) { return {text.data(), text.size()}; }
std::string text_of(const Request& request, http::field field) { return std::string(std_view(request[field])); }
std::string text_of(const Request& request, const char* field) { return std::string(std_view(request[field])); }

// The headers every answer carries: nothing is cached, sniffed, framed or referred.
template <class Body>
void common_headers(http::response<Body>& response, unsigned version, bool keep_alive) {
  response.version(version);
  response.keep_alive(keep_alive);
  response.set(http::field::server, "pmd");
  response.set(http::field::cache_control, "no-store");
  response.set("X-Content-Type-Options", "nosniff");
  response.set("X-Frame-Options", "DENY");
  response.set("Referrer-Policy", "no-referrer");
}

http::response<http::string_body> json_text_response(http::status status, std::string text, const Request& request) {
  http::response<http::string_body> response;
  common_headers(response, request.version(), request.keep_alive());
  response.result(status);
  response.set(http::field::content_type, "application/json");
  response.body() = std::move(text);
  response.body() += '\n';
  response.prepare_payload();
  return response;
}

http::response<http::string_body> json_response(http::status status, const json& body, const Request& request) {
  return json_text_response(status, json_text(body), request);
}

http::response<http::string_body> error_response(int status, const std::string& why, const Request& request) {
  auto response = json_response(static_cast<http::status>(status), json{{"error", why}}, request);
  if (status == 405)
    response.set(http::field::allow, is_action_path(std_view(request.target())) ? "POST" : "GET, HEAD");
  if (status == 401) response.set(http::field::www_authenticate, "Bearer realm=\"pmd\"");
  return response;
}

http::status status_of(const rpc::Response& reply) {
  if (reply.ok) return http::status::ok;
  if (reply.error_message.find("no app") != std::string::npos || reply.error_code == rpc::kMethodNotFound)
    return http::status::not_found;
  return reply.error_code == rpc::kInvalidParams ? http::status::bad_request : http::status::conflict;
}

json error_body(const rpc::Response& reply) { return {{"error", reply.error_message}, {"code", reply.error_code}}; }

WebRequestFacts facts_of(const Request& request, WebRoute route) {
  WebRequestFacts f;
  f.method = std::string(request.method_string());
  f.route = route;
  f.host = text_of(request, http::field::host);
  f.origin = text_of(request, http::field::origin);
  f.sec_fetch_site = text_of(request, "Sec-Fetch-Site");
  f.content_type = text_of(request, http::field::content_type);
  f.authorization = text_of(request, http::field::authorization);
  f.forwarded = request.count(http::field::forwarded) > 0 || request.count("X-Forwarded-For") > 0;
  f.forwarded_host = text_of(request, "X-Forwarded-Host");
  return f;
}

// The answer of a one-shot call (progress notifications, if any, are not wanted), its result
// kept as text: it goes to the browser as pmd wrote it.
asio::awaitable<rpc::Response> call_daemon(asio::io_context& io, const std::filesystem::path& socket,
                                           const WebCall& call) {
  DaemonConnection daemon(io);
  co_await daemon.open(socket, call.method, call.params);
  for (;;) {
    auto message = co_await daemon.next(kReadPatience, true);
    if (!message) throw rpc::Error(rpc::kInternalError, "pmd did not answer within 30 s");
    if (!message->is_notification) co_return *message;
  }
}

// The head of a response whose body runs until the connection closes (a stream).
asio::awaitable<void> write_stream_head(beast::tcp_stream& stream, const Request& request, const char* content_type) {
  http::response<http::empty_body> head;
  common_headers(head, request.version(), false);
  head.result(http::status::ok);
  head.set(http::field::content_type, content_type);
  http::response_serializer<http::empty_body> serializer(head);
  stream.expires_after(kWriteDeadline);
  co_await http::async_write_header(stream, serializer, asio::use_awaitable);
}

asio::awaitable<void> write_raw(beast::tcp_stream& stream, const std::string& bytes) {
  stream.expires_after(kWriteDeadline);
  co_await asio::async_write(stream, asio::buffer(bytes), asio::use_awaitable);
}

std::string sse_event(const char* event, const json& data) {
  return std::string("event: ") + event + "\ndata: " + json_text(data) + "\n\n";
}

// /api/logs/stream: the recent lines, then every new one, as a `logs` follower of pmd's.
asio::awaitable<void> stream_logs(asio::io_context& io, const std::filesystem::path& socket, beast::tcp_stream& stream,
                                  const Request& request, const WebCall& call) {
  DaemonConnection daemon(io);
  co_await daemon.open(socket, call.method, call.params);
  auto reply = co_await daemon.next(kReadPatience);
  if (!reply || !reply->ok) {
    auto response = json_response(reply ? status_of(*reply) : http::status::gateway_timeout,
                                  reply ? error_body(*reply) : json{{"error", "pmd did not answer"}}, request);
    response.keep_alive(false);
    co_await http::async_write(stream, response, asio::use_awaitable);
    co_return;
  }
  co_await write_stream_head(stream, request, "text/event-stream");
  std::string recent;
  for (const auto& record : reply->result) recent += sse_event("log", record);
  co_await write_raw(stream, recent + ": following\n\n");
  for (;;) {
    auto message = co_await daemon.next(kHeartbeat);
    if (!message) {
      co_await write_raw(stream, ": keep-alive\n\n");
      continue;
    }
    if (message->method == "log")
      co_await write_raw(stream, sse_event("log", message->params));
    else if (message->method == "log.missed")
      co_await write_raw(stream, sse_event("missed", message->params));
  }
}

// An action: its progress lines as they come, then its result or error, one JSON per line.
asio::awaitable<void> run_action(asio::io_context& io, const std::filesystem::path& socket, beast::tcp_stream& stream,
                                 const Request& request, const WebCall& call) {
  DaemonConnection daemon(io);
  co_await daemon.open(socket, call.method, call.params);
  boost::system::error_code ec;
  const auto peer = stream.socket().remote_endpoint(ec);
  spdlog::info("dashboard: {} {} from {}", call.method, call.params.dump(), ec ? "?" : peer.address().to_string());
  co_await write_stream_head(stream, request, "application/x-ndjson");
  const auto deadline = std::chrono::steady_clock::now() + kActionPatience;
  while (std::chrono::steady_clock::now() < deadline) {
    auto message = co_await daemon.next(kHeartbeat);
    if (!message) {
      co_await write_raw(stream, "{\"waiting\":true}\n");
      continue;
    }
    // (Each line is built before the co_await: GCC 12 miscompiles a braced json inside one.)
    std::string line;
    if (message->is_notification) {
      if (message->method != "progress") continue;
      json note = json::object();
      note["progress"] = message->params.value("message", "");
      line = json_text(note) + "\n";
      co_await write_raw(stream, line);
      continue;
    }
    json outcome = message->ok ? json::object() : error_body(*message);
    if (message->ok) outcome["result"] = message->result;
    line = json_text(outcome) + "\n";
    co_await write_raw(stream, line);
    co_return;
  }
}

}  // namespace

WebServer::WebServer(asio::io_context& io, std::filesystem::path daemon_socket, std::string_view page)
    : io_(io), daemon_socket_(std::move(daemon_socket)), page_(page), acceptor_(io) {}

std::string WebServer::listen(const HttpAddress& address, std::string token) {
  if (auto error = open_listener(acceptor_, address, "the dashboard", "--web"); !error.empty()) return error;
  boost::system::error_code ec;
  address_ = address;
  address_.port = acceptor_.local_endpoint(ec).port();
  rules_ = {asio::ip::make_address(address.host, ec).is_loopback(), address_.port, std::move(token)};
  asio::co_spawn(io_,
                 accept_each(acceptor_,
                             [this](tcp::socket socket) {
                               asio::co_spawn(io_, serve(std::move(socket)), logged("a dashboard request"));
                             }),
                 logged("the dashboard's listener (the dashboard is no longer served)"));
  spdlog::info("serving the dashboard on {}{}", url(), rules_.loopback ? "" : " (every request needs the token)");
  return {};
}

std::string WebServer::url() const {
  // A wildcard address is reached on loopback.
  const std::string host = address_.host == "0.0.0.0" ? "127.0.0.1" : address_.host == "::" ? "::1" : address_.host;
  return "http://" + host_and_port(host, address_.port) + "/";
}

void WebServer::close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

asio::awaitable<void> WebServer::serve(tcp::socket socket) {
  ++connections_;
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  try {
    for (;;) {
      http::request_parser<http::string_body> parser;
      parser.header_limit(16 * 1024);
      parser.body_limit(64 * 1024);
      stream.expires_after(std::chrono::seconds(30));  // an idle or slow client is let go
      boost::system::error_code read_error;
      co_await http::async_read(stream, buffer, parser, asio::redirect_error(asio::use_awaitable, read_error));
      if (read_error == http::error::header_limit || read_error == http::error::body_limit) {
        // Too much to read: said, not just dropped, and the connection ends.
        const bool header = read_error == http::error::header_limit;
        http::response<http::string_body> too_large;
        common_headers(too_large, 11, false);
        too_large.result(header ? http::status::request_header_fields_too_large : http::status::payload_too_large);
        too_large.set(http::field::content_type, "application/json");
        too_large.body() = header ? "{\"error\":\"headers over 16 KiB\"}\n" : "{\"error\":\"a body over 64 KiB\"}\n";
        too_large.prepare_payload();
        co_await http::async_write(stream, too_large, asio::use_awaitable);
        break;
      }
      if (read_error) throw boost::system::system_error(read_error);
      const Request& request = parser.get();
      if (connections_ > kMaxConnections) {
        auto busy = error_response(503, "too many dashboard connections", request);
        busy.keep_alive(false);
        co_await http::async_write(stream, busy, asio::use_awaitable);
        break;
      }
      std::optional<WebCall> call;
      std::string bad_params;
      try {
        call = route_request(std_view(request.target()), request.body());
      } catch (const std::invalid_argument& e) {
        bad_params = e.what();
      }
      // A malformed call is judged as the route it aimed at, so a stranger learns nothing more.
      WebRoute route = call                                         ? call->route
                       : is_action_path(std_view(request.target())) ? WebRoute::kAction
                                                                    : WebRoute::kRead;
      if (!call && bad_params.empty()) {
        auto missing = error_response(404, "no such page; the dashboard is at /", request);
        co_await http::async_write(stream, missing, asio::use_awaitable);
        if (!request.keep_alive()) break;
        continue;
      }
      if (auto verdict = judge_request(facts_of(request, route), rules_); verdict.status != 0) {
        auto refused = error_response(verdict.status, verdict.why, request);
        co_await http::async_write(stream, refused, asio::use_awaitable);
        if (!request.keep_alive()) break;
        continue;
      }
      if (!bad_params.empty()) {
        auto refused = error_response(400, bad_params, request);
        co_await http::async_write(stream, refused, asio::use_awaitable);
        if (!request.keep_alive()) break;
        continue;
      }
      if (call->route == WebRoute::kStream) {
        co_await stream_logs(io_, daemon_socket_, stream, request, *call);
        break;
      }
      if (call->route == WebRoute::kAction) {
        co_await run_action(io_, daemon_socket_, stream, request, *call);
        break;
      }
      http::response<http::string_body> response;
      if (call->route == WebRoute::kPage) {
        common_headers(response, request.version(), request.keep_alive());
        response.result(http::status::ok);
        response.set(http::field::content_type, "text/html; charset=utf-8");
        response.set("Content-Security-Policy", kPagePolicy);
        response.body() = std::string(page_);
        response.prepare_payload();
      } else {
        auto reply = co_await call_daemon(io_, daemon_socket_, *call);
        if (!reply.ok)
          response = json_response(status_of(reply), error_body(reply), request);
        else if (!reply.result_text.empty())
          response = json_text_response(http::status::ok, std::move(reply.result_text), request);
        else
          response = json_response(http::status::ok, reply.result, request);
      }
      if (request.method() == http::verb::head) response.body().clear();
      co_await http::async_write(stream, response, asio::use_awaitable);
      if (!response.keep_alive()) break;
    }
  } catch (const boost::system::system_error&) {
    // The client went away, timed out or sent something that is not HTTP: its connection ends.
  } catch (const rpc::Error& e) {
    // pmd's socket hung up on the dashboard (it is stopping): the connection ends.
    spdlog::debug("dashboard: {}", e.what());
  } catch (const std::exception& e) {
    spdlog::warn("dashboard: a request failed: {}", e.what());
  }
  --connections_;
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace pmd
