// Who may do what on the dashboard: the policy, apart from the server, so each rule is tested.
// - Reads: free on a loopback address, as the issue of the dashboard asked (anyone on this
//   machine can reach 127.0.0.1, so they see the figures and logs; the README says so). Behind a
//   proxy (Forwarded or X-Forwarded-For present) or on any other address, the token is required.
// - Actions: POST only, always with the token (in an Authorization header, which no form or
//   cross-site request can set without a preflight pmd never approves), JSON bodies only, and a
//   same-origin Origin / Sec-Fetch-Site when the browser sends them (CSRF).
// - On loopback, the Host must be a loopback name (a DNS-rebinding page sees 403).
#pragma once

#include "web/web_routes.h"

#include <cstdint>
#include <string>

namespace pmd {

struct WebRequestFacts {
  std::string method;  // "GET", "POST", ...
  WebRoute route = WebRoute::kPage;
  std::string host;            // the Host header
  std::string origin;          // "" when absent
  std::string sec_fetch_site;  // "" when absent
  std::string content_type;
  std::string authorization;   // the whole header: "Bearer <token>"
  bool forwarded = false;      // Forwarded or X-Forwarded-For present: it came through a proxy
  std::string forwarded_host;  // X-Forwarded-Host, the name the browser used
};

struct WebAccessRules {
  bool loopback = true;  // the dashboard listens on a loopback address
  std::uint16_t port = 0;
  std::string token;
};

struct WebVerdict {
  int status = 0;  // 0: allowed; else the HTTP status to answer
  std::string why;
};

WebVerdict judge_request(const WebRequestFacts& request, const WebAccessRules& rules);

/// Compares in time independent of where they differ.
bool same_secret(const std::string& a, const std::string& b);

}  // namespace pmd
