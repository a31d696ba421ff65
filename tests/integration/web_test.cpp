// The web dashboard, tried as a person would: a real headless Chromium (Debian's, driven by
// playwright-core) against a real pmd with real apps: the overview, a leak's memory chart with
// its memory-restart marker, a live log line, the reload button replacing every pid, and a page
// without the token unable to act. Then the HTTP rules themselves, with raw requests: no action
// over GET, none without the token or from another origin, no answer to a foreign Host.
#include "daemon_fixture.h"
#include "http_client.h"
#include "process_utils.h"
#include "skip.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <csignal>

#include <fstream>

using namespace pmd::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Web {
  std::string url;  // http://127.0.0.1:PORT/
  int port = 0;
  std::string token;
};

Web turn_on(const Daemon& d, const std::string& address) {
  auto r = d.pmctl({"web", address, "--json"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  json info = json::parse(r.out);
  Web w{info["url"], 0, info["token"]};
  w.port = std::stoi(w.url.substr(w.url.rfind(':') + 1));
  return w;
}

// One raw HTTP/1.1 exchange with 127.0.0.1:port; the whole answer (the server closes).
std::string raw_http(int port, const std::string& request) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string answer;
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::send(fd, request.data(), request.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(request.size())) {
    char buf[8192];
    for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) answer.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return answer;
}

std::string post(const Web& w, const std::string& path, const std::string& body, const std::string& extra_headers) {
  std::string request = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(w.port);
  request += "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  request += extra_headers + "\r\n" + body;
  return raw_http(w.port, request);
}

std::string get(const Web& w, const std::string& path, const std::string& host, const std::string& extra = "") {
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n";
  request += extra + "\r\n";
  return raw_http(w.port, request);
}

std::string status_line(const std::string& answer) { return answer.substr(0, answer.find("\r\n")); }

}  // namespace

TEST_CASE("the dashboard in a real browser: overview, memory chart with its marker, live logs, reload, no token") {
  const fs::path modules = fs::path(PMD_TEST_TOOLS_DIR) / "browser";
  if (!fs::exists(modules / "node_modules" / "playwright-core"))
    PMD_SKIP(Need::kBrowser, "playwright-core is not installed (scripts/fetch-test-tools.sh, from npm)");
  const char* chromium = std::getenv("PMD_CHROMIUM") ? std::getenv("PMD_CHROMIUM") : "/usr/bin/chromium";
  if (::access(chromium, X_OK) != 0) PMD_SKIP(Need::kBrowser, "no chromium (Debian's package chromium)");

  Daemon d({"--web", "127.0.0.1:0"});
  Web w = turn_on(d, "");
  // 40 MiB a second against 200 MiB: a life of about five seconds, charted at one point a second.
  REQUIRE(d.pmctl({"start", fixture("leak.js").string(), "--name", "leak", "--max-memory-restart", "200M"}).exit_code ==
          0);
  REQUIRE(d.pmctl({"start", fixture("ticks.js").string(), "--name", "ticks"}).exit_code == 0);
  REQUIRE(d.pmctl({"start", fixture("http_server.js").string(), "--name", "web", "-i", "2"}).exit_code == 0);
  REQUIRE(d.wait_status("web", "online"));
  const pid_t ticks_pid = d.instance("ticks")["pid"];
  const auto web_before = pids_of(d, "web");

  const fs::path out = fs::path(PMD_TEST_TOOLS_DIR).parent_path() / "test-output";
  fs::create_directories(out);
  fs::remove(out / "dashboard.png");
  auto r = run_command(
      {"/usr/bin/node", fixture("dashboard_in_browser.js").string(), modules.string(), w.url, w.token, out.string()},
      RunOptions{{{"PMD_CHROMIUM", chromium}}, {}, {}, {}});
  INFO("browser: " << r.out << r.err << "\npmd.log: " << d.log_tail());
  REQUIRE(r.exit_code == 0);
  json seen = json::parse(r.out);
  INFO(seen.dump(2));

  // The overview: every instance of every app, with its pid and status.
  std::set<std::string> apps;
  for (const auto& row : seen["overview"]) apps.insert(row["app"].get<std::string>());
  CHECK(apps == std::set<std::string>{"leak", "ticks", "web"});
  CHECK(seen["overview"].size() == 4);
  CHECK(seen["token_left_the_address_bar"] == true);
  // The leak: a climbing line, the limit drawn, and a marker that says why it restarted.
  CHECK(seen["memory_rise"].get<int>() >= 3);
  CHECK(seen["memory_line_points"].get<int>() >= 4);
  CHECK_THAT(seen["marker_title"].get<std::string>(), Catch::Contains("memory restart") && Catch::Contains("> limit"));
  CHECK_THAT(seen["limit_title"].get<std::string>(), Catch::Contains("200.0 MiB"));
  // Live logs: a line printed after the page opened, through the stream; and the stream filter.
  CHECK(seen["live"]["later"].get<int>() > seen["live"]["first"].get<int>());
  CHECK(seen["live"]["streamed"].get<int>() > 0);
  CHECK(seen["out_lines_shown_when_err_only"] == 0);
  CHECK(seen["err_lines_shown_when_err_only"].get<int>() > 0);
  // Reload: done with its progress, and every pid replaced, as pmd itself says.
  CHECK(seen["reload_action"]["status"] == "done");
  CHECK(seen["reload_action"]["lines"].size() >= 3);  // the request, a line per instance, done
  const auto web_after = pids_of(d, "web");
  CHECK(web_after.size() == 2);
  for (pid_t pid : web_after) CHECK(web_before.count(pid) == 0);
  std::set<pid_t> shown_after;
  for (const auto& p : seen["reload_after"]) shown_after.insert(std::stoi(p.get<std::string>()));
  CHECK(shown_after == web_after);
  // Without the token: read-only, and the restart button's request refused.
  CHECK_THAT(seen["readonly_notice"].get<std::string>(), Catch::Contains("read-only"));
  CHECK(seen["no_token_action"]["status"] == "failed");
  CHECK_THAT(seen["no_token_action"]["error"].get<std::string>(), Catch::Contains("token"));
  // Another origin, even holding the token, is stopped by the browser's preflight pmd never approves.
  CHECK_THAT(seen["cross_origin"].get<std::string>(), Catch::StartsWith("blocked"));
  CHECK(d.instance("ticks")["pid"] == ticks_pid);
  CHECK(d.instance("ticks")["restarts"] == 0);
  // The screenshot, a real PNG.
  std::ifstream png(out / "dashboard.png", std::ios::binary);
  std::string magic(8, '\0');
  png.read(magic.data(), 8);
  CHECK(magic == "\x89PNG\r\n\x1a\n");
  CHECK(fs::file_size(out / "dashboard.png") > 20000);
}

TEST_CASE("the dashboard's HTTP rules, with raw requests") {
  Daemon d;
  // Off until asked; then on, at the address asked, with a private token file.
  CHECK_THAT(d.pmctl({"web", "--json"}).out, Catch::Contains("\"on\":true"));  // `pmctl web` turns it on...
  Web w = turn_on(d, "");
  CHECK(json::parse(d.pmctl({"web", "--json"}).out)["url"] == w.url);  // ...once
  CHECK((fs::status(d.home() / "web.token").permissions() & fs::perms::all) ==
        (fs::perms::owner_read | fs::perms::owner_write));
  REQUIRE(d.pmctl({"start", fixture("ticks.js").string(), "--name", "ticks"}).exit_code == 0);
  const pid_t pid = d.instance("ticks")["pid"];
  const std::string host = "127.0.0.1:" + std::to_string(w.port);
  const std::string auth = "Authorization: Bearer " + w.token + "\r\n";
  const std::string json_type = "Content-Type: application/json\r\n";

  CHECK(status_line(get(w, "/", host)) == "HTTP/1.1 200 OK");
  CHECK_THAT(get(w, "/", host), Catch::Contains("Content-Security-Policy: default-src 'none'"));
  CHECK_THAT(get(w, "/api/list", host), Catch::Contains("\"name\":\"ticks\""));
  // DNS rebinding: a foreign name for 127.0.0.1 gets nothing.
  CHECK(status_line(get(w, "/api/list", "evil.example:" + std::to_string(w.port))) == "HTTP/1.1 403 Forbidden");
  // Through a proxy, reads need the token too.
  CHECK(status_line(get(w, "/api/list", host, "X-Forwarded-For: 203.0.113.7\r\n")) == "HTTP/1.1 401 Unauthorized");
  CHECK(status_line(get(w, "/api/list", host, "X-Forwarded-For: 203.0.113.7\r\n" + auth)) == "HTTP/1.1 200 OK");
  // No action over GET, without the token, with a wrong one, from another origin, or as a form.
  CHECK(status_line(get(w, "/api/restart?target=ticks", host, auth)) == "HTTP/1.1 405 Method Not Allowed");
  CHECK(status_line(post(w, "/api/restart", R"({"target":"ticks"})", json_type)) == "HTTP/1.1 401 Unauthorized");
  CHECK(status_line(post(w, "/api/restart", R"({"target":"ticks"})",
                         json_type + "Authorization: Bearer " + std::string(64, '0') + "\r\n")) ==
        "HTTP/1.1 403 Forbidden");
  CHECK(status_line(post(w, "/api/restart", R"({"target":"ticks"})",
                         json_type + auth + "Origin: http://evil.example\r\n")) == "HTTP/1.1 403 Forbidden");
  CHECK(status_line(
            post(w, "/api/restart", "target=ticks", "Content-Type: application/x-www-form-urlencoded\r\n" + auth)) ==
        "HTTP/1.1 415 Unsupported Media Type");
  CHECK(status_line(post(w, "/api/delete", R"({"target":"ticks"})", json_type + auth)) == "HTTP/1.1 404 Not Found");
  CHECK(d.instance("ticks")["pid"] == pid);
  // With everything right, the action runs, through the same method as `pmctl restart`.
  auto done = post(w, "/api/restart", R"({"target":"ticks"})", json_type + auth + "Origin: http://" + host + "\r\n");
  CHECK(status_line(done) == "HTTP/1.1 200 OK");
  CHECK_THAT(done, Catch::Contains("{\"result\":"));
  CHECK(wait_until([&] { return d.instance("ticks")["pid"] != pid && d.instance("ticks")["status"] == "online"; }));
  // Scale, stop and start, as the buttons send them.
  auto scaled = post(w, "/api/scale", R"({"target":"ticks","instances":"2"})", json_type + auth);
  CHECK_THAT(scaled, Catch::Contains("{\"progress\":\"ticks #1: started pid"));
  CHECK(pids_of(d, "ticks").size() == 2);
  CHECK_THAT(post(w, "/api/stop", R"({"target":"ticks"})", json_type + auth), Catch::Contains("{\"result\":"));
  CHECK(pids_of(d, "ticks").empty());
  CHECK_THAT(post(w, "/api/start", R"({"target":"ticks"})", json_type + auth), Catch::Contains("{\"result\":"));
  CHECK(wait_until([&] { return pids_of(d, "ticks").size() == 2; }));
  // An unknown app: the method's own error, as pmctl would print it.
  CHECK_THAT(post(w, "/api/stop", R"({"target":"nope"})", json_type + auth), Catch::Contains("\"error\":"));
  // History: the instances' points, and the restart, the stop and the start marked with their reasons.
  std::set<std::string> kinds;
  CHECK(wait_until([&] {
    const std::string answer = get(w, "/api/history?target=ticks&span=60", host);
    json h = json::parse(answer.substr(answer.find("\r\n\r\n") + 4));
    const json& app = h["apps"]["ticks"];
    kinds.clear();
    for (const auto& m : app["markers"])
      kinds.insert(m["kind"].get<std::string>() + ": " + m["reason"].get<std::string>());
    return app["instances"].size() >= 2 && !app["instances"][0]["points"].empty() && app["markers"].size() >= 4;
  }));
  INFO("markers: " << json(kinds).dump());
  auto has = [&](const std::string& prefix) {
    return std::any_of(kinds.begin(), kinds.end(), [&](const std::string& k) { return k.starts_with(prefix); });
  };
  CHECK(has("restart: restarting by request"));
  CHECK(has("stop: stopped by request"));
  CHECK(has("start: started"));
  // Too much: a huge header, a huge body are refused without harm.
  CHECK(status_line(get(w, "/api/list", host, "X-Big: " + std::string(40000, 'x') + "\r\n")).find("431") !=
        std::string::npos);
  CHECK(status_line(post(w, "/api/restart", std::string(70000, ' '), json_type + auth)) ==
        "HTTP/1.1 413 Payload Too Large");
  CHECK(d.pmctl({"ping"}).exit_code == 0);
}

TEST_CASE("a dashboard turned on by pmctl web stays on, at its address, across an upgrade and a crash of pmd") {
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("ticks.js").string(), "--name", "ticks"}).exit_code == 0);
  Web w = turn_on(d, "127.0.0.1:0");
  const std::string host = "127.0.0.1:" + std::to_string(w.port);
  auto serves = [&] { return status_line(get(w, "/api/list", host)) == "HTTP/1.1 200 OK"; };
  REQUIRE(serves());
  auto update = d.pmctl({"update"});
  INFO(update.out << update.err << d.log_tail());
  REQUIRE(update.exit_code == 0);
  CHECK(serves());  // bound again by the new image (the old one's listener did not leak into it)
  d.crash(SIGKILL);
  CHECK_FALSE(serves());
  REQUIRE(d.pmctl({"ping"}).exit_code == 0);  // a new pmd takes over from the holder
  CHECK(serves());
  json info = json::parse(d.pmctl({"web", "--json"}).out);
  CHECK(info["url"] == w.url);
  CHECK(info["token"] == w.token);
}
