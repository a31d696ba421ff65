// Serving /metrics.
#include "metrics_http.h"
#include "loop/detached.h"
#include "web/tcp_listener.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <charconv>
#include <chrono>

namespace pmd {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

MetricsHttpServer::MetricsHttpServer(asio::io_context& io, std::function<std::string()> render)
    : io_(io), render_(std::move(render)), acceptor_(io) {}

std::string MetricsHttpServer::listen(const HttpAddress& address) {
  if (auto error = open_listener(acceptor_, address, "metrics", "--metrics"); !error.empty()) return error;
  asio::co_spawn(io_,
                 accept_each(acceptor_,
                             [this](tcp::socket socket) {
                               asio::co_spawn(io_, serve(std::move(socket)), logged("a metrics request"));
                             }),
                 logged("the metrics listener (metrics are no longer served)"));
  spdlog::info("serving metrics on http://{}/metrics",
               host_and_port(address.host, port()));  // the bound port, also for :0
  return {};
}

std::uint16_t MetricsHttpServer::port() const {
  boost::system::error_code ec;
  auto endpoint = acceptor_.local_endpoint(ec);
  return ec ? 0 : endpoint.port();
}

void MetricsHttpServer::close() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

asio::awaitable<void> MetricsHttpServer::serve(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  beast::flat_buffer buffer;
  try {
    for (;;) {
      http::request_parser<http::empty_body> parser;
      parser.header_limit(16 * 1024);
      stream.expires_after(std::chrono::seconds(30));  // an idle or slow client is let go
      co_await http::async_read(stream, buffer, parser, asio::use_awaitable);
      const auto& request = parser.get();
      http::response<http::string_body> response;
      response.version(request.version());
      response.keep_alive(request.keep_alive());
      response.set(http::field::server, "pmd");
      const auto target = request.target();
      const bool metrics_path = target == "/metrics" || target.starts_with("/metrics?");
      if (request.method() != http::verb::get && request.method() != http::verb::head) {
        response.result(http::status::method_not_allowed);
        response.set(http::field::allow, "GET, HEAD");
        response.body() = "only GET /metrics is served here\n";
      } else if (!metrics_path) {
        response.result(http::status::not_found);
        response.body() = "pmd serves its metrics on /metrics\n";
      } else {
        response.result(http::status::ok);
        response.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
        response.body() = render_();
      }
      if (response.result() != http::status::ok) response.set(http::field::content_type, "text/plain; charset=utf-8");
      response.prepare_payload();
      if (request.method() == http::verb::head) response.body().clear();
      co_await http::async_write(stream, response, asio::use_awaitable);
      if (!response.keep_alive()) break;
    }
  } catch (const boost::system::system_error&) {
    // The client went away, timed out or sent something that is not HTTP: its connection ends.
  }
  boost::system::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

}  // namespace pmd
