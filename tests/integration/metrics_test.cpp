// pmctl metrics and pmd --metrics: real figures of real processes, valid Prometheus text (a
// strict parser always, and Prometheus's own promtool where it is installed).
#include "daemon_fixture.h"
#include "handover/holder_protocol.h"
#include "http_client.h"
#include "process_utils.h"
#include "prometheus_parser.h"
#include "skip.h"

#include <catch2/catch.hpp>

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include <fstream>
#include <regex>
#include <set>
#include <thread>

using namespace pmd::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// promtool from PATH or from build/tools (scripts/install-deps.sh unpacks Debian's there).
std::string find_promtool() {
  for (const fs::path& candidate : {fs::path(PMD_TEST_TOOLS_DIR) / "promtool", fs::path("/usr/bin/promtool")})
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  return {};
}

void check_with_promtool(const Daemon& d, const std::string& text) {
  auto promtool = find_promtool();
  // The strict parser has checked the text already; Prometheus's own checker is the second word.
  if (promtool.empty())
    PMD_SKIP(pmd::test::Need::kPromtool, "promtool not found (scripts/fetch-test-tools.sh puts it in build/tools)");
  auto file = d.home() / "metrics.txt";
  std::ofstream(file) << text;
  // `check metrics` reads stdin: go through sh only to redirect it.
  auto r = run_command({"/bin/sh", "-c", "\"$0\" check metrics < \"$1\"", promtool, file.string()});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 0);
}

std::string body_of(const std::string& response) {
  auto at = response.find("\r\n\r\n");
  return at == std::string::npos ? "" : response.substr(at + 4);
}

}  // namespace

TEST_CASE("pmctl metrics: every instance's figures and the daemon's, as valid Prometheus text", "[metrics]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "web", "-i", "2", "--max-memory-restart", "500M"})
              .exit_code == 0);
  // Once sampled, the memory is that of a real Node process.
  REQUIRE(wait_until([&] { return d.instance("web")["memory"].get<std::uint64_t>() > (5u << 20); }));
  auto r = d.pmctl({"metrics"});
  REQUIRE(r.exit_code == 0);
  PromExposition m;
  REQUIRE_NOTHROW(m = parse_prometheus_text(r.out));
  CHECK(m.value("pmd_instances") == 2);
  CHECK(m.value("pmd_instance_memory_bytes", {{"app", "web"}, {"id", "0"}}) > 5 << 20);
  CHECK(m.value("pmd_instance_memory_limit_bytes", {{"app", "web"}, {"id", "1"}}) == 500.0 * (1 << 20));
  CHECK(m.value("pmd_instance_status", {{"app", "web"}, {"id", "1"}, {"status", "online"}}) == 1);
  CHECK(m.value("pmd_instance_processes", {{"id", "0"}}) == 1);
  CHECK(m.value("pmd_daemon_memory_bytes") > 1 << 20);
  check_with_promtool(d, r.out);
}

TEST_CASE("pmd --metrics serves the same on GET /metrics", "[metrics]") {
  const int port = free_port();
  Daemon d({"--metrics", "127.0.0.1:" + std::to_string(port)});
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "web"}).exit_code == 0);
  auto response = http_get(port, "/metrics");
  REQUIRE_THAT(response, Catch::StartsWith("HTTP/1.0 200") || Catch::StartsWith("HTTP/1.1 200"));
  CHECK_THAT(response, Catch::Contains("Content-Type: text/plain; version=0.0.4"));
  PromExposition m;
  REQUIRE_NOTHROW(m = parse_prometheus_text(body_of(response)));
  CHECK(m.value("pmd_instance_status", {{"app", "web"}, {"status", "online"}}) == 1);
  check_with_promtool(d, body_of(response));
  CHECK_THAT(http_get(port, "/"), Catch::Contains(" 404 "));
  // Clients come and go; the daemon keeps serving both its socket and the endpoint.
  for (int i = 0; i < 20; ++i) CHECK_THAT(http_get(port, "/metrics"), Catch::Contains("pmd_build_info"));
  CHECK(d.pmctl({"ping"}).exit_code == 0);
}

TEST_CASE("the sampling interval is configurable", "[metrics]") {
  Daemon d({"--sample-interval", "250ms"});
  auto m = parse_prometheus_text(d.pmctl({"metrics"}).out);
  CHECK(m.value("pmd_sample_interval_seconds") == 0.25);
  // Samples really come at that pace: 5 of monit's stream arrive well within the 4 s that 5
  // samples at the default 1 s would take at the least.
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, (d.home() / "pmd.sock").c_str(), sizeof addr.sun_path - 1);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  const std::string request = R"({"jsonrpc":"2.0","id":1,"method":"monit.subscribe","params":{"lines":0}})"
                              "\n";
  REQUIRE(::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  const auto start = std::chrono::steady_clock::now();
  int samples = 0;
  std::string received;
  while (samples < 5 && std::chrono::steady_clock::now() - start < 10s) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 1000) <= 0) continue;
    char buf[65536];
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    received.append(buf, static_cast<std::size_t>(n));
    for (auto at = received.find('\n'); at != std::string::npos; at = received.find('\n')) {
      samples += received.substr(0, at).find("\"monit.sample\"") != std::string::npos;
      received.erase(0, at + 1);
    }
  }
  ::close(fd);
  REQUIRE(samples == 5);
  CHECK(std::chrono::steady_clock::now() - start < 3500ms);
}

TEST_CASE("a metrics port in use is a clear error at start, not a silent half-daemon", "[metrics]") {
  const int port = free_port();
  Daemon first({"--metrics", "127.0.0.1:" + std::to_string(port)});
  auto home = make_temp_home();
  RunOptions options;
  options.env["PMD_HOME"] = home.string();
  options.env["PMD_METRICS"] = "127.0.0.1:" + std::to_string(port);
  auto r = run_command({(bin_dir() / "pmctl").string(), "ping"}, options);
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("port is in use"));
  CHECK_THAT(r.err, Catch::Contains(std::to_string(port)));
  // Nothing of that pmd is left running: no fd holder waits for a next pmd.
  const auto holder_left = [&] {
    return !pids_with_cmdline({"pmd-holder", pmd::handover::holder_name(home, ::getuid())}).empty();
  };
  for (auto deadline = std::chrono::steady_clock::now() + 2s;
       holder_left() && std::chrono::steady_clock::now() < deadline;)
    std::this_thread::sleep_for(20ms);
  CHECK_FALSE(holder_left());
  auto bad = run_command({(bin_dir() / "pmd").string(), "--no-daemon", "--metrics", "localhost:80"}, options);
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("HOST:PORT"));
  auto bad_interval = run_command({(bin_dir() / "pmd").string(), "--no-daemon", "--sample-interval", "5ms"}, options);
  CHECK(bad_interval.exit_code == 2);
  CHECK_THAT(bad_interval.err, Catch::Contains("between 100ms and 60s"));
  std::error_code ec;
  fs::remove_all(home, ec);
}

namespace {

// The PromQL expressions of a Grafana dashboard: every target's `expr` and every variable's
// `label_values(...)` query.
void collect_queries(const json& node, std::vector<std::string>& exprs, std::vector<std::string>& variables) {
  if (node.is_object()) {
    for (const auto& [key, value] : node.items()) {
      if (key == "expr" && value.is_string()) exprs.push_back(value.get<std::string>());
      if (key == "definition" && value.is_string()) variables.push_back(value.get<std::string>());
      collect_queries(value, exprs, variables);
    }
  } else if (node.is_array()) {
    for (const auto& item : node) collect_queries(item, exprs, variables);
  }
}

// Grafana's variables replaced by what Prometheus would get: any value, a five-minute range.
std::string as_promql(std::string expr) {
  for (const auto& [from, to] : std::vector<std::pair<std::string, std::string>>{
           {"$__rate_interval", "5m"}, {"$__range", "1h"}, {"$instance", ".*"}, {"$namespace", ".*"}, {"$app", ".*"}})
    for (auto at = expr.find(from); at != std::string::npos; at = expr.find(from, at + to.size()))
      expr.replace(at, from.size(), to);
  return expr;
}

// Every pmd_ metric an expression reads, and every label it matches or groups by.
struct Uses {
  std::set<std::string> metrics, labels;
};
Uses uses_of(const std::string& expr) {
  Uses u;
  static const std::regex metric(R"(\b(pmd_[a-z_]+)\b)");
  static const std::regex matcher(R"(([a-z_]+)\s*(=~|!~|!=|=)\s*")");
  static const std::regex grouping(R"(\b(?:by|without)\s*\(([^)]*)\))");
  static const std::regex word(R"([a-z_]+)");
  for (std::sregex_iterator it(expr.begin(), expr.end(), metric), end; it != end; ++it) u.metrics.insert((*it)[1]);
  for (std::sregex_iterator it(expr.begin(), expr.end(), matcher), end; it != end; ++it) u.labels.insert((*it)[1]);
  for (std::sregex_iterator it(expr.begin(), expr.end(), grouping), end; it != end; ++it) {
    const std::string names = (*it)[1];
    for (std::sregex_iterator w(names.begin(), names.end(), word); w != end; ++w) u.labels.insert((*w)[0]);
  }
  return u;
}

// What Prometheus adds to every series it scrapes.
bool added_by_prometheus(const std::string& label) { return label == "instance" || label == "job"; }

bool carries(const PromExposition& m, const std::string& metric, const std::string& label) {
  return std::any_of(m.samples.begin(), m.samples.end(),
                     [&](const PromSample& s) { return s.name == metric && s.labels.count(label) > 0; });
}

}  // namespace

TEST_CASE("the Grafana dashboard and the Prometheus files in packaging/ read only what pmd exports", "[metrics]") {
  const fs::path packaging = fs::path(PMD_TEST_SOURCE_DIR) / "packaging";
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "web", "-i", "2", "--namespace", "shop",
                   "--max-memory-restart", "500M"})
              .exit_code == 0);
  REQUIRE(wait_until([&] { return d.instance("web")["memory"].get<std::uint64_t>() > (5u << 20); }));
  auto r = d.pmctl({"metrics"});
  REQUIRE(r.exit_code == 0);
  const PromExposition m = parse_prometheus_text(r.out);
  CHECK(m.value("pmd_instance_memory_bytes", {{"app", "web"}, {"id", "1"}, {"namespace", "shop"}}) > 5 << 20);

  json dashboard;
  REQUIRE_NOTHROW(dashboard = json::parse(read_file(packaging / "grafana" / "pmd-dashboard.json")));
  CHECK(dashboard.value("uid", "") == "pmd-fleet");
  std::vector<std::string> exprs, variables;
  collect_queries(dashboard, exprs, variables);
  REQUIRE(exprs.size() >= 10);
  REQUIRE(variables.size() == 3);
  // The alert rules' expressions are read the same way.
  const std::string alerts = read_file(packaging / "prometheus" / "pmd-alerts.yml");
  static const std::regex alert_expr(R"(expr:\s*(.+))");
  std::size_t alert_count = 0;
  for (std::sregex_iterator it(alerts.begin(), alerts.end(), alert_expr), end; it != end; ++it, ++alert_count)
    exprs.push_back((*it)[1]);
  CHECK(alert_count >= 4);

  // Every metric exists, with every label the query names (the dashboard's panels would be
  // empty otherwise, silently).
  std::set<std::string> metrics_read;
  for (const auto& query : exprs) {
    Uses u = uses_of(query);
    for (const auto& metric : u.metrics) {
      metrics_read.insert(metric);
      INFO(query);
      CHECK(m.types.count(metric) == 1);
      for (const auto& label : u.labels)
        if (!added_by_prometheus(label)) {
          INFO("label " << label << " of " << metric);
          CHECK(carries(m, metric, label));
        }
    }
  }
  static const std::regex label_values(R"(label_values\((.*),\s*([a-z_]+)\)$)");
  for (const auto& variable : variables) {
    std::smatch parts;
    INFO(variable);
    REQUIRE(std::regex_match(variable, parts, label_values));
    const std::string label = parts[2];
    for (const auto& metric : uses_of(parts[1]).metrics)
      if (!added_by_prometheus(label)) CHECK(carries(m, metric, label));
  }
  // What the issue asks the dashboard to show: CPU, memory against the limit, restarts, memory
  // restarts, status, the daemon's health.
  for (const char* needed : {"pmd_instance_cpu_percent", "pmd_instance_memory_bytes", "pmd_instance_memory_limit_bytes",
                             "pmd_instance_restarts_total", "pmd_instance_memory_restarts_total", "pmd_instance_status",
                             "pmd_daemon_memory_bytes", "pmd_daemon_cpu_seconds_total", "pmd_build_info"})
    CHECK(metrics_read.count(needed) == 1);

  // Prometheus's own checker: every expression parses as PromQL, and the scrape config (with its
  // rule file) is valid.
  auto promtool = find_promtool();
  if (promtool.empty())
    PMD_SKIP(pmd::test::Need::kPromtool, "promtool not found (scripts/fetch-test-tools.sh puts it in build/tools)");
  const fs::path rules = d.home() / "dashboard-rules.yml";
  {
    std::ofstream out(rules);
    out << "groups:\n  - name: dashboard\n    rules:\n";
    for (std::size_t i = 0; i < exprs.size(); ++i) {
      json quoted = as_promql(exprs[i]);
      out << "      - record: pmd:dashboard_query_" << i << "\n        expr: " << quoted.dump() << "\n";
    }
  }
  auto checked = run_command({promtool, "check", "rules", rules.string()});
  INFO(checked.out << checked.err);
  CHECK(checked.exit_code == 0);
  auto config = run_command({promtool, "check", "config", (packaging / "prometheus" / "pmd.yml").string()});
  INFO(config.out << config.err);
  CHECK(config.exit_code == 0);
}
