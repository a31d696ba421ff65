// An address to serve HTTP on (the metrics, the dashboard), as a person writes it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace pmd {

struct HttpAddress {
  std::string host;  // numeric IPv4 or IPv6
  std::uint16_t port = 0;
};

/// "127.0.0.1:9209", "[::1]:9209", ":9209" or "9209" (host defaults to 127.0.0.1: loopback
/// unless asked otherwise). nullopt when it is none of these.
std::optional<HttpAddress> parse_http_address(const std::string& text);

/// "127.0.0.1:9209" or "[::1]:9209", as a URL or a person writes it.
std::string host_and_port(const std::string& host, std::uint16_t port);

}  // namespace pmd
