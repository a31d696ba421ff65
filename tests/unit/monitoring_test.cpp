// Pure parts of monitoring: the Prometheus text (read back by a strict parser), the metrics
// address, and the layout of pmctl monit.
#include "metrics_http.h"
#include "monit_view.h"
#include "prometheus_parser.h"
#include "prometheus_text.h"

#include <catch2/catch.hpp>

using nlohmann::json;
using pmd::test::parse_prometheus_text;

namespace {

json instance(int id, const std::string& name, const std::string& status, double cpu, std::uint64_t memory) {
  return {
      {"id", id},         {"name", name},       {"instance", 0},          {"mode", "cluster"},    {"pid", 1000 + id},
      {"status", status}, {"restarts", id},     {"unstable_restarts", 0}, {"memory_restarts", 1}, {"uptime_ms", 65000},
      {"cpu", cpu},       {"cpu_seconds", 2.5}, {"memory", memory},       {"processes", 2},       {"memory_limit", 0}};
}

json snapshot(json processes) {
  return {{"interval_ms", 1000},
          {"daemon",
           {{"pid", 1},
            {"version", "9.9.9"},
            {"memory", 5 << 20},
            {"cpu", 0.3},
            {"cpu_seconds", 1.25},
            {"uptime_ms", 4000}}},
          {"processes", std::move(processes)}};
}

}  // namespace

TEST_CASE("metrics read back exactly through a strict parser", "[metrics]") {
  auto text = pmd::prometheus_text(
      snapshot({instance(0, "api", "online", 12.5, 50u << 20), instance(1, "api", "errored", 0, 0)}));
  auto m = parse_prometheus_text(text);
  CHECK(m.types.at("pmd_instance_memory_bytes") == "gauge");
  CHECK(m.types.at("pmd_instance_restarts_total") == "counter");
  CHECK(m.value("pmd_instance_memory_bytes", {{"app", "api"}, {"id", "0"}, {"namespace", "default"}}) == 50u << 20);
  CHECK(m.value("pmd_instance_cpu_percent", {{"id", "0"}}) == 12.5);
  CHECK(m.value("pmd_instance_restarts_total", {{"id", "1"}}) == 1);
  CHECK(m.value("pmd_instance_uptime_seconds", {{"id", "0"}}) == 65);
  CHECK(m.value("pmd_instance_status", {{"id", "0"}, {"status", "online"}}) == 1);
  CHECK(m.value("pmd_instance_status", {{"id", "0"}, {"status", "errored"}}) == 0);
  CHECK(m.value("pmd_instance_status", {{"id", "1"}, {"status", "errored"}}) == 1);
  CHECK(m.value("pmd_daemon_memory_bytes") == 5 << 20);
  CHECK(m.value("pmd_daemon_cpu_seconds_total") == 1.25);
  CHECK(m.value("pmd_build_info", {{"version", "9.9.9"}}) == 1);
  CHECK(m.value("pmd_instances") == 2);
  CHECK(m.value("pmd_sample_interval_seconds") == 1);
  for (const auto& [family, type] : m.types) CHECK(m.help.count(family) == 1);
}

TEST_CASE("app names that need escaping stay valid label values", "[metrics]") {
  const std::string odd = "we\"ird\\na\nme";
  auto m = parse_prometheus_text(pmd::prometheus_text(snapshot({instance(3, odd, "online", 1, 1)})));
  CHECK(m.value("pmd_instance_memory_bytes", {{"app", odd}}) == 1);
}

TEST_CASE("an instance draining after a reload does not duplicate its slot's series", "[metrics]") {
  json draining = instance(0, "api", "stopping", 0, 7);
  draining["retiring"] = true;
  auto m = parse_prometheus_text(pmd::prometheus_text(snapshot({instance(0, "api", "online", 1, 9), draining})));
  CHECK(m.value("pmd_instance_memory_bytes", {{"id", "0"}}) == 9);
}

TEST_CASE("the strict parser refuses what scrapers refuse", "[metrics]") {
  CHECK_THROWS(parse_prometheus_text("a 1"));                      // no final newline
  CHECK_THROWS(parse_prometheus_text("1a 1\n"));                   // bad name
  CHECK_THROWS(parse_prometheus_text("a{x=\"1} 1\n"));             // unterminated value
  CHECK_THROWS(parse_prometheus_text("a{x=\"\\q\"} 1\n"));         // bad escape
  CHECK_THROWS(parse_prometheus_text("a 1\nb 1\na 2\n"));          // family interleaved
  CHECK_THROWS(parse_prometheus_text("a 1\na 2\n"));               // duplicate series
  CHECK_THROWS(parse_prometheus_text("# TYPE a counter\na 1\n"));  // counter without _total
  CHECK_THROWS(parse_prometheus_text("a 1\n# TYPE a gauge\n"));    // TYPE after samples
  CHECK_THROWS(parse_prometheus_text("a one\n"));                  // not a number
  CHECK_NOTHROW(parse_prometheus_text("# TYPE a_total counter\na_total{x=\"1\"} 1.5e3\n"));
}

TEST_CASE("metrics addresses: host:port, [v6]:port, :port and port (loopback by default)", "[metrics]") {
  auto a = pmd::parse_http_address("127.0.0.1:9209");
  REQUIRE(a);
  CHECK(a->host == "127.0.0.1");
  CHECK(a->port == 9209);
  CHECK(pmd::parse_http_address(":9209")->host == "127.0.0.1");
  CHECK(pmd::parse_http_address("9209")->host == "127.0.0.1");
  CHECK(pmd::parse_http_address("[::1]:80")->host == "::1");
  CHECK(pmd::parse_http_address("0.0.0.0:0")->port == 0);
  CHECK_FALSE(pmd::parse_http_address("localhost:9209"));  // numeric only: no resolver in the daemon
  CHECK_FALSE(pmd::parse_http_address("127.0.0.1:99999"));
  CHECK_FALSE(pmd::parse_http_address("::1:80"));
  CHECK_FALSE(pmd::parse_http_address("127.0.0.1:"));
  CHECK_FALSE(pmd::parse_http_address("9209x"));
}

TEST_CASE("monit: a row per instance with bars, the selected one's details and its app's logs", "[monit]") {
  pmd::cli::MonitState state;
  json big = instance(1, "worker", "online", 50, 100u << 20);
  big["memory_limit"] = 200u << 20;
  state.apply_snapshot(snapshot({instance(0, "api", "online", 100, 10u << 20), big}));
  state.add_log({{"app", "api"}, {"id", 0}, {"stream", "out"}, {"text", "api says hi"}});
  state.add_log({{"app", "worker"}, {"id", 1}, {"stream", "err"}, {"text", "worker complains"}});

  auto screen = pmd::cli::render_monit(state, 120, 20);
  REQUIRE(screen.size() == 20);
  for (const auto& line : screen) CHECK(line.text.size() <= 120);
  std::string all;
  for (const auto& line : screen) all += line.text + "\n";
  CHECK_THAT(all, Catch::Contains("api") && Catch::Contains("worker") && Catch::Contains("100.0%"));
  CHECK_THAT(all, Catch::Contains("[####################]"));  // api: 100% CPU, full bar
  CHECK_THAT(all, Catch::Contains("[##########          ]"));  // worker: half its memory limit
  CHECK_THAT(all, Catch::Contains("-- api [id 0]") && Catch::Contains("api says hi"));
  CHECK_THAT(all, !Catch::Contains("worker complains"));
  CHECK(screen[2].style == pmd::cli::LineStyle::kSelected);

  state.move_selection(1);
  all.clear();
  for (const auto& line : pmd::cli::render_monit(state, 120, 20)) all += line.text + "\n";
  CHECK_THAT(all, Catch::Contains("-- worker [id 1]") && Catch::Contains("worker complains") &&
                      Catch::Contains("of 200.0 MiB limit"));
  state.move_selection(5);  // stays on the last one
  CHECK(state.selected == 1);

  // A new snapshot keeps the selection on the same instance even if rows move.
  state.apply_snapshot(snapshot({instance(5, "new", "online", 0, 1), instance(0, "api", "online", 0, 1), big}));
  CHECK(state.selected == 2);
}

TEST_CASE("monit fits small terminals: no bars when narrow, rows scroll to the selection", "[monit]") {
  pmd::cli::MonitState state;
  json many = json::array();
  for (int i = 0; i < 30; ++i) many.push_back(instance(i, "app" + std::to_string(i), "online", 1, 1));
  state.apply_snapshot(snapshot(many));
  state.move_selection(25);
  auto screen = pmd::cli::render_monit(state, 60, 16);
  REQUIRE(screen.size() == 16);
  std::string all;
  for (const auto& line : screen) {
    CHECK(line.text.size() <= 60);
    all += line.text + "\n";
  }
  CHECK_THAT(all, !Catch::Contains("[#"));
  CHECK_THAT(all, Catch::Contains("app25") && Catch::Contains("more: scroll"));
}

TEST_CASE("bars", "[monit]") {
  CHECK(pmd::cli::bar(0, 4) == "[    ]");
  CHECK(pmd::cli::bar(0.5, 4) == "[##  ]");
  CHECK(pmd::cli::bar(7, 4) == "[####]");
  CHECK(pmd::cli::bar(-1, 4) == "[    ]");
}
