// The app spec on the wire: round trip and validation of what arrives from clients.
#include "app_spec.h"
#include "app_normalizer.h"
#include "app_spec_fields.h"
#include "jsonrpc.h"

#include <catch2/catch.hpp>

#include <algorithm>

using nlohmann::json;
using pmd::AppSpec;

namespace {
AppSpec sample() {
  AppSpec s;
  s.name = "api";
  s.script = "/srv/api/server.js";
  s.interpreter = "node";
  s.cwd = "/srv/api";
  s.args = {"--port", "80"};
  s.env = {{"NODE_ENV", "production"}};
  s.stop_exit_codes = {0};
  s.kill_timeout = std::chrono::milliseconds(3000);
  return s;
}
}  // namespace

TEST_CASE("an app spec survives the trip through JSON", "[spec]") {
  AppSpec back = pmd::app_spec_from_json(pmd::to_json(sample()));
  CHECK(back.name == "api");
  CHECK(back.args == std::vector<std::string>{"--port", "80"});
  CHECK(back.env.at("NODE_ENV") == "production");
  CHECK(back.kill_timeout.count() == 3000);
  CHECK(back.argv() == std::vector<std::string>{"node", "/srv/api/server.js", "--port", "80"});
}

TEST_CASE("bad specs are refused with the field named", "[spec]") {
  json j = pmd::to_json(sample());
  auto refused = [](json bad, const char* field) {
    try {
      pmd::app_spec_from_json(bad);
    } catch (const pmd::rpc::Error& e) {
      CHECK(e.code() == pmd::rpc::kInvalidParams);
      CHECK_THAT(e.what(), Catch::Contains(field));
      return;
    }
    FAIL("accepted a bad spec");
  };
  json relative = j;
  relative["script"] = "server.js";
  refused(relative, "script");
  json typed = j;
  typed["args"] = "--port 80";
  refused(typed, "args");
  json negative = j;
  negative["kill_timeout"] = -1;
  refused(negative, "kill_timeout");
  json noname = j;
  noname["name"] = "";
  refused(noname, "name");
  json zero = j;
  zero["instances"] = 0;
  refused(zero, "instances");
}

TEST_CASE("app names that would be ambiguous as targets are refused", "[spec]") {
  CHECK(pmd::check_app_name("api").empty());
  CHECK(pmd::check_app_name("api-v2.1_x").empty());
  CHECK_FALSE(pmd::check_app_name("all").empty());
  CHECK_FALSE(pmd::check_app_name("42").empty());
  CHECK_FALSE(pmd::check_app_name("a b").empty());
  CHECK_FALSE(pmd::check_app_name("a/b").empty());
  CHECK_FALSE(pmd::check_app_name("").empty());
}

TEST_CASE("names that become file names or options, and bad env keys, are refused", "[spec]") {
  for (const char* name : {".", "..", "-rf", "--help", "caf\xe9"}) {
    INFO(name);
    CHECK_FALSE(pmd::check_app_name(name).empty());
  }
  CHECK(pmd::check_app_name("café").empty());
  CHECK(pmd::check_app_name("a-b").empty());
  CHECK(pmd::check_env_key("PATH").empty());
  CHECK_FALSE(pmd::check_env_key("").empty());
  CHECK_FALSE(pmd::check_env_key("A=B").empty());
  CHECK_FALSE(pmd::check_env_key("A\nB").empty());
  CHECK_FALSE(pmd::check_env_key(std::string("A\0B", 3)).empty());
  json j = {{"name", "x"}, {"script", "/bin/true"}, {"cwd", "/"}, {"env", {{"A=B", "1"}}}};
  CHECK_THROWS_WITH(pmd::app_spec_from_json(j), Catch::Contains("A=B"));
  j["env"] = json::object();
  j["name"] = "..";
  CHECK_THROWS_WITH(pmd::app_spec_from_json(j), Catch::Contains("name"));
}

TEST_CASE("bounds hold for numbers as they arrive on the wire (non-negative ones are unsigned)", "[spec]") {
  auto parsed = [](const std::string& extra) {
    return json::parse(R"({"name":"x","script":"/bin/true","cwd":"/",)" + extra + "}");
  };
  CHECK_THROWS_WITH(pmd::app_spec_from_json(parsed(R"("instances":0)")), Catch::Contains("instances"));
  CHECK_THROWS_WITH(pmd::app_spec_from_json(parsed(R"("kill_signal":0)")), Catch::Contains("kill_signal"));
  CHECK_THROWS_WITH(pmd::app_spec_from_json(parsed(R"("kill_timeout":18446744073709551615)")),
                    Catch::Contains("30 days"));
  CHECK_THROWS_WITH(pmd::app_spec_from_json(parsed(R"("min_uptime":-1)")), Catch::Contains("min_uptime"));
  CHECK(pmd::app_spec_from_json(parsed(R"("instances":3,"kill_timeout":2592000000)")).instances == 3);
}

TEST_CASE("one field table drives the wire form, its parsing, the shown form and the ecosystem keys", "[app_spec]") {
  const auto& fields = pmd::app_spec_fields();
  // Every field set to a value that is not its default, through the table itself.
  pmd::AppSpec spec;
  spec.name = "api";
  spec.script = "/srv/api/server.js";
  spec.cwd = "/srv/api";
  int n = 2;
  for (const auto& f : fields) {
    std::visit(
        [&](auto m) {
          using T = std::decay_t<decltype(spec.*m)>;
          if constexpr (std::is_same_v<T, std::string>) {
            if (spec.*m == "" && std::string(f.key) != "log_type" && std::string(f.key) != "exec_mode" &&
                std::string(f.key) != "balance")
              spec.*m = std::string(f.key) + "-value";
          } else if constexpr (std::is_same_v<T, bool>) {
            spec.*m = !(spec.*m);
          } else if constexpr (std::is_same_v<T, int>) {
            spec.*m = static_cast<int>(std::min<long long>(f.max, f.min + n++));
          } else if constexpr (std::is_same_v<T, std::chrono::milliseconds>) {
            spec.*m = std::chrono::milliseconds(1000 + n++);
          } else if constexpr (std::is_same_v<T, std::uint64_t>) {
            spec.*m = 1u << 20;
          } else if constexpr (std::is_same_v<T, pmd::Env>) {
            spec.*m = {{std::string(f.key) + "_KEY", "v"}};
          } else {
            spec.*m = {};
          }
        },
        f.member);
  }
  spec.exec_mode = "cluster";
  spec.cron_restart = "0 3 * * *";
  spec.watch = {"/srv/app"};
  spec.balance = "reuseport";
  spec.log_type = "json";
  const nlohmann::json wire = pmd::to_json(spec);
  CHECK(wire.size() == fields.size());
  CHECK(pmd::to_json(pmd::app_spec_from_json(wire)) == wire);

  const nlohmann::json shown = pmd::spec_view(spec);
  CHECK(shown.size() == fields.size() - 1);  // the starter's environment is not shown
  CHECK_FALSE(shown.contains("base_env"));
  CHECK(shown["kill_signal"].is_string());

  // Every field is a key an ecosystem file can set (the normalizer parses PM2's forms of it).
  const auto& known = pmd::config::known_app_keys();
  for (const auto& f : fields) {
    // The starter's environment, and what pmd recognised in the argv, are not set by a file.
    if (std::string(f.key) == "base_env" || std::string(f.key) == "server_program") continue;
    INFO(f.key);
    CHECK(std::find(known.begin(), known.end(), f.key) != known.end());
  }
}
