// The dashboard's access rules.
#include "web/web_access.h"

#include <algorithm>
#include <cctype>

namespace pmd {

namespace {

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

bool loopback_host(const std::string& host, std::uint16_t port) {
  const std::string p = ":" + std::to_string(port);
  const std::string h = lower(host);
  return h == "127.0.0.1" + p || h == "localhost" + p || h == "[::1]" + p;
}

// "http://host:port" or "https://host:port" naming `host` (what the browser used).
bool origin_names(const std::string& origin, const std::string& host) {
  if (host.empty()) return false;
  const std::string o = lower(origin), h = lower(host);
  return o == "http://" + h || o == "https://" + h;
}

}  // namespace

bool same_secret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

WebVerdict judge_request(const WebRequestFacts& r, const WebAccessRules& rules) {
  if (rules.loopback && !r.forwarded && !loopback_host(r.host, rules.port))
    return {403, "this dashboard answers to 127.0.0.1, localhost or [::1] only (Host: " + r.host + ")"};
  const bool action = r.route == WebRoute::kAction;
  if (action && r.method != "POST") return {405, "actions are POST only"};
  if (!action && r.method != "GET" && r.method != "HEAD") return {405, "only GET is served here"};
  const bool needs_token = action || (r.route != WebRoute::kPage && (!rules.loopback || r.forwarded));
  if (needs_token) {
    static const std::string kBearer = "Bearer ";
    if (!r.authorization.starts_with(kBearer))
      return {401, action ? "actions need the dashboard's token: open the address `pmctl web` prints"
                          : "this dashboard needs its token: open the address `pmctl web` prints"};
    if (!same_secret(r.authorization.substr(kBearer.size()), rules.token))
      return {403, "wrong token (`pmctl web` shows the right one)"};
  }
  if (action) {
    const std::string site = lower(r.sec_fetch_site);
    if (!site.empty() && site != "same-origin" && site != "none") return {403, "cross-site requests cannot act"};
    if (!r.origin.empty() && !origin_names(r.origin, r.host) && !origin_names(r.origin, r.forwarded_host))
      return {403, "cross-origin requests cannot act (Origin: " + r.origin + ")"};
    if (!lower(r.content_type).starts_with("application/json")) return {415, "actions take a JSON body"};
  }
  return {};
}

}  // namespace pmd
