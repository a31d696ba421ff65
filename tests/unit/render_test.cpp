// What `pmctl list` and `describe` print.
#include "render.h"
#include "list_sort.h"

#include <catch2/catch.hpp>

using nlohmann::json;

namespace {
json row(int id, const char* name, json pid, const char* status) {
  return {{"id", id},         {"name", name},        {"mode", "fork"},
          {"pid", pid},       {"uptime_ms", 65'000}, {"restarts", 2},
          {"status", status}, {"cpu", 1.25},         {"memory", 45 * 1024 * 1024}};
}
}  // namespace

TEST_CASE("the list table has PM2's columns and one row per instance", "[render]") {
  std::string out =
      pmd::cli::render_list(json::array({row(0, "api", 4242, "online"), row(1, "worker", nullptr, "errored")}), false);
  for (const char* column : {"id", "name", "mode", "pid", "uptime", "↺", "status", "cpu", "mem"})
    CHECK_THAT(out, Catch::Contains(column));
  CHECK_THAT(out, Catch::Contains("│ 0  │ api    │ fork │ 4242 │ 1m     │ 2 │ online  │ 1.2% │ 45.0 MiB │"));
  CHECK_THAT(out, Catch::Contains("errored"));
  CHECK(out.find("\033[") == std::string::npos);
  CHECK_THAT(pmd::cli::render_list(json::array({row(0, "api", 1, "online")}), true), Catch::Contains("\033[32m"));
}

TEST_CASE("an empty list says how to start something", "[render]") {
  CHECK_THAT(pmd::cli::render_list(json::array(), false), Catch::Contains("pmctl start"));
}

TEST_CASE("describe shows the reason, the last exit and the history", "[render]") {
  json v = row(3, "api", nullptr, "errored");
  v["reason"] = "exited with exit code 1 after 10ms; giving up";
  v["last_exit"] = {{"code", 1}, {"signal", nullptr}, {"at", 0}};
  v["transitions"] = json::array({{{"at", 0}, {"from", "online"}, {"to", "errored"}, {"reason", "gave up"}}});
  std::string out = pmd::cli::render_describe(json::array({v}));
  CHECK_THAT(out, Catch::Contains("giving up"));
  CHECK_THAT(out, Catch::Contains("exit code 1"));
  CHECK_THAT(out, Catch::Contains("online -> errored"));
}

TEST_CASE("list --sort orders rows by PM2's field names, ascending or descending", "[render][pm2]") {
  using nlohmann::json;
  json rows = json::array({{{"id", 0}, {"name", "b"}, {"memory", 300}, {"pid", 12}, {"uptime_ms", 5}},
                           {{"id", 1}, {"name", "a"}, {"memory", 100}, {"pid", nullptr}, {"uptime_ms", 9}},
                           {{"id", 2}, {"name", "c"}, {"memory", 200}, {"pid", 7}, {"uptime_ms", 1}}});
  auto ids = [](const json& r) {
    std::vector<int> out;
    for (const auto& row : r) out.push_back(row["id"].get<int>());
    return out;
  };
  json r = rows;
  CHECK_FALSE(pmd::cli::sort_rows(r, "name"));
  CHECK(ids(r) == std::vector<int>{1, 0, 2});
  r = rows;
  CHECK_FALSE(pmd::cli::sort_rows(r, "memory:desc"));
  CHECK(ids(r) == std::vector<int>{0, 2, 1});
  r = rows;
  CHECK_FALSE(pmd::cli::sort_rows(r, "pid"));  // no pid (stopped) first
  CHECK(ids(r) == std::vector<int>{1, 2, 0});
  r = rows;
  CHECK_FALSE(pmd::cli::sort_rows(r, "uptime:asc"));
  CHECK(ids(r) == std::vector<int>{2, 0, 1});
  r = rows;
  CHECK_THAT(*pmd::cli::sort_rows(r, "colour"), Catch::Contains("cannot sort by 'colour'"));
  CHECK_THAT(*pmd::cli::sort_rows(r, "name:up"), Catch::Contains("neither asc nor desc"));
  CHECK(r == rows);
}
