// Reading and writing HTTP addresses.
#include "web/http_address.h"

#include <boost/asio/ip/address.hpp>

#include <charconv>

namespace pmd {

namespace asio = boost::asio;

std::string host_and_port(const std::string& host, std::uint16_t port) {
  const bool v6 = host.find(':') != std::string::npos;
  std::string out = v6 ? "[" + host + "]" : host;
  out += ':';
  out += std::to_string(port);
  return out;
}

std::optional<HttpAddress> parse_http_address(const std::string& text) {
  HttpAddress a{"127.0.0.1", 0};
  std::string port_text = text;
  if (!text.empty() && text.front() == '[') {
    auto close = text.find("]:");
    if (close == std::string::npos) return std::nullopt;
    a.host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
  } else if (auto colon = text.rfind(':'); colon != std::string::npos) {
    if (text.find(':') != colon) return std::nullopt;  // a bare IPv6 needs brackets
    if (colon > 0) a.host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
  }
  unsigned port = 0;
  auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (ec != std::errc() || end != port_text.data() + port_text.size() || port_text.empty() || port > 65535)
    return std::nullopt;
  a.port = static_cast<std::uint16_t>(port);
  boost::system::error_code bad;
  asio::ip::make_address(a.host, bad);
  if (bad) return std::nullopt;
  return a;
}

}  // namespace pmd
