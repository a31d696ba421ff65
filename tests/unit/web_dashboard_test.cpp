// The dashboard's pure parts: the usage history rings and the JSON they serve, which transitions
// become chart markers, the routes of its HTTP API, who may do what (the access rules), and the
// token file.
#include "web/marker_rules.h"
#include "web/usage_history.h"
#include "web/web_access.h"
#include "web/web_routes.h"
#include "web/web_token.h"

#include "temp_dir.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

using namespace pmd;
using nlohmann::json;

namespace {

constexpr std::int64_t kT0 = 1'800'000'000'000;  // a Unix time in ms, on a whole 10 s

WebRequestFacts request(const std::string& method, WebRoute route) {
  WebRequestFacts r;
  r.method = method;
  r.route = route;
  r.host = "127.0.0.1:9615";
  return r;
}

const WebAccessRules kLoopback{true, 9615, std::string(64, 'a')};
const WebAccessRules kPublic{false, 9615, std::string(64, 'a')};

WebRequestFacts with_token(WebRequestFacts r) {
  r.authorization = "Bearer " + std::string(64, 'a');
  r.content_type = "application/json";
  return r;
}

}  // namespace

TEST_CASE("a usage ring keeps the latest points in time order and merges a step into its peak") {
  UsageRing ring(3, 1, 3600);
  for (std::uint32_t s = 100; s < 105; ++s) ring.add({s, s * 10, static_cast<std::uint16_t>(s)});
  auto points = ring.points();
  REQUIRE(points.size() == 3);
  CHECK(points[0].unix_s == 102);
  CHECK(points[2].unix_s == 104);
  // Same second: one point, the peak of both figures.
  ring.add({104, 5, 2000});
  ring.add({104, 9999, 1});
  points = ring.points();
  REQUIRE(points.size() == 3);
  CHECK(points[2].memory_kib == 9999);
  CHECK(points[2].cpu_tenths == 2000);
  // A clock gone back does not break the order.
  ring.add({50, 1, 1});
  CHECK(ring.points().front().unix_s == 102);
}

TEST_CASE("an instance's history: 1 s points for 10 minutes, 10 s peaks for an hour, bounded in bytes") {
  InstanceHistory h;
  // Two hours of one sample a second: the rings stay at their capacity.
  for (int s = 0; s < 7200; ++s) h.add(kT0 + s * 1000, s % 100, static_cast<std::uint64_t>(s) << 20);
  const std::int64_t now = kT0 + 7199 * 1000;
  auto fine = h.since(now, 600);
  CHECK(fine.size() == 600);
  CHECK(fine.back().memory_kib == 7199u * 1024);
  CHECK(fine.back().cpu_tenths == 990);
  auto hour = h.since(now, 3600);
  CHECK(hour.size() == 360);
  // Each coarse point is the peak of its 10 s.
  CHECK(hour.back().cpu_tenths == 990);
  CHECK(hour.back().memory_kib == 7199u * 1024);
  CHECK(h.bytes() <= InstanceHistory::kMaxBytes);
  CHECK(InstanceHistory::kMaxBytes == 11520);
}

TEST_CASE("an instance sampled at pmd's resting pace holds only what came, however long it runs") {
  InstanceHistory h;
  for (int s = 0; s < 5 * 3600; s += 30) h.add(kT0 + s * 1000, 1, 1 << 20);  // every 30 s for 5 hours
  const std::int64_t now = kT0 + (5 * 3600 - 30) * 1000;
  CHECK(h.since(now, 600).size() == 21);    // the last 10 minutes
  CHECK(h.since(now, 3600).size() == 121);  // the last hour
  CHECK(h.bytes() <= (32 + 256) * sizeof(UsagePoint));
}

TEST_CASE("a ring's storage shrinks back once a watched spell's points age out") {
  UsageRing ring(600, 1, 600);
  std::uint32_t t = 1000;
  for (int i = 0; i < 600; ++i) ring.add({t++, 1, 1});  // watched: a point a second
  CHECK(ring.size() == 600);
  CHECK(ring.bytes() == 600 * sizeof(UsagePoint));
  for (int i = 0; i < 40; ++i) ring.add({t += 30, 1, 1});  // then at rest for 20 minutes
  CHECK(ring.size() == 21);
  CHECK(ring.bytes() <= 64 * sizeof(UsagePoint));
  auto points = ring.points();
  for (std::size_t i = 1; i < points.size(); ++i) CHECK(points[i - 1].unix_s < points[i].unix_s);
  CHECK(points.back().unix_s == t);
}

TEST_CASE("usage figures are stored compactly and read back in their units") {
  UsageHistory book;
  book.add_sample("api", 3, kT0, 12.34, 150 << 20);
  book.add_sample("api", 3, kT0 + 1000, 1e9, 0);  // beyond 6,553 %: clamped, never wrapped
  book.add_marker("api", {kT0 + 500, 3, MarkerKind::kMemoryRestart, "restarting: memory 151 MiB > limit 150 MiB"});
  json v = book.view({}, kT0 + 2000, 600, 0);
  CHECK(v["now"] == kT0 + 2000);
  const json& api = v["apps"]["api"];
  REQUIRE(api["instances"].size() == 1);
  CHECK(api["instances"][0]["id"] == 3);
  const json& points = api["instances"][0]["points"];
  REQUIRE(points.size() == 2);
  CHECK(points[0][0] == kT0);
  CHECK(points[0][1].get<double>() == Approx(12.3));
  CHECK(points[0][2] == 150 << 20);
  CHECK(points[1][1].get<double>() == Approx(6553.5));
  REQUIRE(api["markers"].size() == 1);
  CHECK(api["markers"][0] == json{{"at", kT0 + 500},
                                  {"id", 3},
                                  {"kind", "memory_restart"},
                                  {"reason", "restarting: memory 151 MiB > limit 150 MiB"}});
  // Only the apps asked for; markers outside the span are left out.
  book.add_sample("worker", 4, kT0, 1, 1);
  CHECK(book.view({"worker"}, kT0 + 2000, 600, 0)["apps"].size() == 1);
  CHECK(book.view({"api"}, kT0 + 700'000, 60, 0)["apps"]["api"]["markers"].empty());
}

TEST_CASE("the markers kept per app are bounded, and what is not sampled for an hour is forgotten") {
  UsageHistory book;
  for (int i = 0; i < 500; ++i) book.add_marker("api", {kT0 + i, 0, MarkerKind::kCrash, "exited"});
  json markers = book.view({}, kT0 + 1000, 60, 0)["apps"]["api"]["markers"];
  CHECK(markers.size() == UsageHistory::kMarkersPerApp);
  CHECK(markers.back()["at"] == kT0 + 499);
  book.add_sample("api", 0, kT0, 1, 1);
  book.add_sample("gone", 1, kT0, 1, 1);
  book.add_sample("api", 0, kT0 + 3'000'000, 1, 1);
  book.forget_stale(kT0 + 3'700'000);
  json v = book.view({}, kT0 + 3'700'000, 3600, 0);
  CHECK(v["apps"].contains("api"));
  CHECK_FALSE(v["apps"].contains("gone"));
}

TEST_CASE("thinning keeps the peaks, so a spike survives in a sparkline") {
  std::vector<UsagePoint> points;
  for (std::uint32_t s = 0; s < 100; ++s) points.push_back({s, s == 37 ? 1000u : 1u, 0});
  auto thin = thin_points(points, 10);
  REQUIRE(thin.size() == 10);
  CHECK(thin[3].memory_kib == 1000);
  CHECK(thin_points(points, 0).size() == 100);
  CHECK(thin_points(points, 500).size() == 100);
}

TEST_CASE("the transitions that become markers, from the reasons the supervisor writes") {
  using S = InstanceState;
  CHECK(marker_for(S::kOnline, S::kStopping, "restarting: memory 69.7 MiB > limit 60.0 MiB") ==
        MarkerKind::kMemoryRestart);
  CHECK(marker_for(S::kOnline, S::kStopping, "restarting: reloaded by request") == MarkerKind::kReload);
  CHECK(marker_for(S::kOnline, S::kStopping, "restarting by request") == MarkerKind::kRestart);
  CHECK(marker_for(S::kOnline, S::kStopping, "restarting: a watched file changed") == MarkerKind::kRestart);
  CHECK(marker_for(S::kOnline, S::kStopping, "stopped by request") == MarkerKind::kStop);
  CHECK(marker_for(S::kOnline, S::kWaitingRestart, "exited with exit code 1 after 1.2s; restarting in 0ms") ==
        MarkerKind::kCrash);
  CHECK(marker_for(S::kLaunching, S::kErrored, "exited with exit code 1; too many unstable restarts") ==
        MarkerKind::kCrash);
  CHECK(marker_for(S::kStopped, S::kOnline, "started (pid 12)") == MarkerKind::kStart);
  // What follows a marked cause is not marked again.
  CHECK_FALSE(marker_for(S::kStopping, S::kOnline, "restarted: memory 69.7 MiB > limit 60.0 MiB (pid 29068)"));
  CHECK_FALSE(marker_for(S::kWaitingRestart, S::kOnline, "restarted after crash (pid 29076)"));
  CHECK_FALSE(marker_for(S::kStopped, S::kLaunching, "reloaded by request (pid 29154); waiting for listen()"));
  CHECK_FALSE(marker_for(S::kLaunching, S::kOnline, "up 1s (min_uptime) without exiting"));
}

TEST_CASE("the dashboard's routes and the parameters each takes") {
  auto list = route_request("/api/list", "");
  REQUIRE(list);
  CHECK(list->route == WebRoute::kRead);
  CHECK(list->method == "list");
  auto page = route_request("/", "");
  REQUIRE(page);
  CHECK(page->route == WebRoute::kPage);
  auto history = route_request("/api/history?target=my%20app&span=3600&points=60&evil=1", "");
  REQUIRE(history);
  CHECK(history->params == json{{"target", "my app"}, {"span", 3600}, {"points", 60}});
  // A log stream is a follower; the plain read is not, whatever the query says.
  CHECK(route_request("/api/logs/stream?target=api", "")->params == json{{"target", "api"}, {"follow", true}});
  CHECK(route_request("/api/logs?target=api&follow=true&lines=5", "")->params == json{{"target", "api"}, {"lines", 5}});
  // Actions take their JSON body, only the parameters listed (a spec to run never comes in).
  auto reload = route_request("/api/reload", R"({"target":"api","parallel":2,"spec":{"script":"/bin/sh"}})");
  REQUIRE(reload);
  CHECK(reload->route == WebRoute::kAction);
  CHECK(reload->params == json{{"target", "api"}, {"parallel", 2}});
  CHECK(route_request("/api/scale", R"({"target":"api","instances":"+2"})")->params ==
        json{{"target", "api"}, {"instances", "+2"}});
  CHECK_FALSE(route_request("/api/delete", R"({"target":"api"})"));
  CHECK_FALSE(route_request("/etc/passwd", ""));
  CHECK_FALSE(route_request("/api/../api/list", ""));
  CHECK_THROWS_AS(route_request("/api/restart", "{}"), std::invalid_argument);
  CHECK_THROWS_AS(route_request("/api/restart", "[1]"), std::invalid_argument);
  CHECK_THROWS_AS(route_request("/api/restart", R"({"target":5})"), std::invalid_argument);
  // 64 KiB of brackets (the body bound) is refused by depth, not recursed into.
  CHECK_THROWS_WITH(route_request("/api/restart", std::string(65536, '[')), Catch::Contains("too deep"));
  CHECK_THROWS_AS(route_request("/api/logs?lines=ten", ""), std::invalid_argument);
  CHECK_THROWS_AS(route_request("/api/logs?target=%zz", ""), std::invalid_argument);
  CHECK(is_action_path("/api/stop?x=1"));
  CHECK_FALSE(is_action_path("/api/list"));
  CHECK(percent_decode("a%2Fb+c") == "a/b c");
  CHECK_FALSE(percent_decode("%4"));
}

TEST_CASE("on loopback, reads are free and actions need the token, POST, JSON and the same origin") {
  CHECK(judge_request(request("GET", WebRoute::kPage), kLoopback).status == 0);
  CHECK(judge_request(request("GET", WebRoute::kRead), kLoopback).status == 0);
  CHECK(judge_request(request("GET", WebRoute::kStream), kLoopback).status == 0);
  // No action over GET, nor a read over POST.
  CHECK(judge_request(with_token(request("GET", WebRoute::kAction)), kLoopback).status == 405);
  CHECK(judge_request(request("POST", WebRoute::kRead), kLoopback).status == 405);
  // The token, always, for an action.
  auto no_token = judge_request(request("POST", WebRoute::kAction), kLoopback);
  CHECK(no_token.status == 401);
  CHECK_THAT(no_token.why, Catch::Contains("pmctl web"));
  auto wrong = with_token(request("POST", WebRoute::kAction));
  wrong.authorization = "Bearer " + std::string(64, 'b');
  CHECK(judge_request(wrong, kLoopback).status == 403);
  CHECK(judge_request(with_token(request("POST", WebRoute::kAction)), kLoopback).status == 0);
  // CSRF: another site's page, even with a stolen token, cannot act; nor a form's body.
  auto cross = with_token(request("POST", WebRoute::kAction));
  cross.origin = "http://evil.example";
  CHECK(judge_request(cross, kLoopback).status == 403);
  cross.origin = "http://127.0.0.1:9615";
  CHECK(judge_request(cross, kLoopback).status == 0);
  cross.sec_fetch_site = "cross-site";
  CHECK(judge_request(cross, kLoopback).status == 403);
  auto form = with_token(request("POST", WebRoute::kAction));
  form.content_type = "application/x-www-form-urlencoded";
  CHECK(judge_request(form, kLoopback).status == 415);
  // DNS rebinding: a page of evil.example resolved to 127.0.0.1 names its own Host.
  auto rebound = request("GET", WebRoute::kRead);
  rebound.host = "evil.example:9615";
  CHECK(judge_request(rebound, kLoopback).status == 403);
  rebound.host = "localhost:9615";
  CHECK(judge_request(rebound, kLoopback).status == 0);
  rebound.host = "[::1]:9615";
  CHECK(judge_request(rebound, kLoopback).status == 0);
  rebound.host = "127.0.0.1:9616";
  CHECK(judge_request(rebound, kLoopback).status == 403);
}

TEST_CASE("on another address, or through a proxy, every read needs the token too") {
  CHECK(judge_request(request("GET", WebRoute::kPage), kPublic).status == 0);  // the page holds no data
  CHECK(judge_request(request("GET", WebRoute::kRead), kPublic).status == 401);
  CHECK(judge_request(request("GET", WebRoute::kStream), kPublic).status == 401);
  CHECK(judge_request(with_token(request("GET", WebRoute::kRead)), kPublic).status == 0);
  auto any_host = with_token(request("GET", WebRoute::kRead));
  any_host.host = "pmd.example.com";
  CHECK(judge_request(any_host, kPublic).status == 0);
  // A proxy on the same machine makes every request come from loopback: its headers give it away.
  auto proxied = request("GET", WebRoute::kRead);
  proxied.forwarded = true;
  proxied.host = "pmd.example.com";
  CHECK(judge_request(proxied, kLoopback).status == 401);
  auto proxied_action = with_token(request("POST", WebRoute::kAction));
  proxied_action.forwarded = true;
  proxied_action.host = "127.0.0.1:9615";
  proxied_action.forwarded_host = "pmd.example.com";
  proxied_action.origin = "https://pmd.example.com";
  CHECK(judge_request(proxied_action, kLoopback).status == 0);
  CHECK(same_secret("abc", "abc"));
  CHECK_FALSE(same_secret("abc", "abd"));
  CHECK_FALSE(same_secret("abc", "abcd"));
}

TEST_CASE("the token file: made once at 0600, kept, and never taken from a symlink or a loose file") {
  pmd::test::TempDir dir;
  const auto file = dir.path / "web.token";
  std::string error;
  const std::string token = load_or_create_web_token(file, error);
  INFO(error);
  REQUIRE(token.size() == 64);
  struct stat st {};
  REQUIRE(::stat(file.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(load_or_create_web_token(file, error) == token);
  pmd::test::TempDir other;
  CHECK(load_or_create_web_token(other.path / "web.token", error) != token);
  // Loose permissions: refused, not used.
  ::chmod(file.c_str(), 0644);
  CHECK(load_or_create_web_token(file, error).empty());
  CHECK_THAT(error, Catch::Contains("0600"));
  // A symlink planted to another file: not followed.
  std::filesystem::remove(file);
  std::ofstream(dir.path / "elsewhere") << std::string(64, 'c') << "\n";
  std::filesystem::create_symlink(dir.path / "elsewhere", file);
  error.clear();
  CHECK(load_or_create_web_token(file, error).empty());
  CHECK_THAT(error, Catch::Contains("symlink"));
}
