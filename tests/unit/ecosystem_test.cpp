// Ecosystem files: every format and shape, PM2's keys and their coercions, the env merge, and
// broken files with the exact messages users will read. Files live in ecosystem_corpus/.
#include "app_normalizer.h"
#include "cpu_budget.h"
#include "ecosystem_file.h"
#include "lenient_json.h"
#include "process/launch_plan.h"
#include "temp_dir.h"
#include "yaml_document.h"

#include <catch2/catch.hpp>

#include <algorithm>

#include <csignal>
#include <cstdlib>
#include <filesystem>

namespace fs = std::filesystem;
using namespace pmd::config;

namespace {

const fs::path kCorpus = PMD_TEST_ECOSYSTEM_DIR;

LoadOptions options(std::string env_name = {}, std::vector<std::string> only = {}) {
  LoadOptions o;
  o.env_name = std::move(env_name);
  o.only = std::move(only);
  o.starter_env = {{"PATH", "/usr/local/bin:/usr/bin:/bin"}, {"SHELL_VAR", "from the shell"}};
  o.usable_cpus = 4;
  return o;
}

Normalized load(const std::string& name, LoadOptions o = options()) { return load_ecosystem(kCorpus / name, o); }

// Normalizes inline YAML as if it were a file in the corpus directory.
Normalized yaml(const std::string& text, std::string env_name = {}) {
  auto parsed = parse_yaml(text);
  REQUIRE(std::holds_alternative<Value>(parsed));
  NormalizeContext ctx;
  ctx.file = "inline.yml";
  ctx.base_dir = kCorpus;
  ctx.starter_env = options().starter_env;
  ctx.env_name = std::move(env_name);
  ctx.usable_cpus = 4;
  return normalize_document(std::get<Value>(parsed), ctx, {});
}

// Diagnostics as the user reads them when running pmctl in the corpus directory.
std::string shown(const Diagnostic& d) {
  std::string text = d.format();
  const std::string prefix = kCorpus.string() + "/";
  return text.rfind(prefix, 0) == 0 ? text.substr(prefix.size()) : text;
}

const pmd::AppSpec& only_app(const Normalized& n) {
  INFO((n.errors.empty() ? std::string() : n.errors.front().format()));
  REQUIRE(n.errors.empty());
  REQUIRE(n.apps.size() == 1);
  return n.apps.front();
}

std::string first_error(const Normalized& n) {
  REQUIRE_FALSE(n.errors.empty());
  return shown(n.errors.front());
}

}  // namespace

TEST_CASE("PM2's rule tells ecosystem files from scripts", "[ecosystem]") {
  CHECK(ecosystem_format("ecosystem.config.js") == EcosystemFormat::kJavaScript);
  CHECK(ecosystem_format("/srv/app/pm2.config.cjs") == EcosystemFormat::kJavaScript);
  CHECK(ecosystem_format("x.config.mjs") == EcosystemFormat::kJavaScript);
  CHECK(ecosystem_format("process.json") == EcosystemFormat::kJson);
  CHECK(ecosystem_format("process.yml") == EcosystemFormat::kYaml);
  CHECK(ecosystem_format("process.yaml") == EcosystemFormat::kYaml);
  CHECK(ecosystem_format("app.js") == EcosystemFormat::kNone);
  CHECK(ecosystem_format("config.js") == EcosystemFormat::kNone);
}

TEST_CASE("YAML with anchors and merge keys, --env merges env_<NAME> over env", "[ecosystem]") {
  auto n = load("process.yml", options("production"));
  REQUIRE(n.errors.empty());
  REQUIRE(n.apps.size() == 2);
  const auto& web = n.apps[0];
  CHECK(web.name == "web");
  CHECK(web.script == (kCorpus / "app.js").string());
  CHECK(web.interpreter == "node");
  CHECK(web.cwd == kCorpus.string());
  CHECK(web.max_restarts == 5);             // merged from the anchor
  CHECK(web.kill_timeout.count() == 3000);  // "3s"
  CHECK(web.instances == 4);                // max = usable CPUs
  CHECK(web.exec_mode == "cluster");        // instances on a node app, as PM2 decides
  CHECK(web.env.at("NODE_ENV") == "production");
  CHECK(web.env.at("PORT") == "3000");  // numbers reach the app as strings
  CHECK(web.base_env.at("SHELL_VAR") == "from the shell");
  const auto& tool = n.apps[1];
  CHECK(tool.kill_timeout.count() == 500);  // explicit key beats the merged one
  CHECK(tool.interpreter.empty());
  CHECK(tool.exec_mode == "fork");
  // env_production missing on `tool`: a warning, not an error. (web's cluster mode has PORT.)
  REQUIRE(n.warnings.size() == 1);
  CHECK_THAT(n.warnings[0].format(), Catch::Contains("app 1 (tool)") && Catch::Contains("no env_production"));
}

TEST_CASE("JSON as PM2 reads it: comments, trailing commas, single quotes, bare keys", "[ecosystem]") {
  auto loaded = load("lenient.json");
  const auto& app = only_app(loaded);
  CHECK(app.name == "lenient");
  CHECK(app.args == std::vector<std::string>{"--port", "8080", "true"});
  CHECK(app.max_memory_restart == 512u * 1024 * 1024);
}

TEST_CASE("a top-level array and a single app object are both accepted", "[ecosystem]") {
  NormalizeContext ctx;
  ctx.file = "x.json";
  ctx.base_dir = kCorpus;
  ctx.starter_env = options().starter_env;
  ctx.usable_cpus = 2;
  auto array = std::get<Value>(parse_lenient_json(R"([{"script": "app.js"}, {"script": "tool"}])"));
  auto n = normalize_document(array, ctx, {});
  REQUIRE(n.apps.size() == 2);
  CHECK(n.apps[0].name == "app");  // default name: base name without the last extension
  CHECK(n.apps[1].name == "tool");
  auto single = std::get<Value>(parse_lenient_json(R"({"script": "worker.py", "name": "w"})"));
  auto one = normalize_document(single, ctx, {});
  REQUIRE(one.apps.size() == 1);
  CHECK(one.apps[0].interpreter == "python3");
  CHECK(one.apps[0].env.at("PYTHONUNBUFFERED") == "1");
}

TEST_CASE("JavaScript ecosystem files are evaluated by node", "[ecosystem][node]") {
  ::setenv("CORPUS_VALUE", "read through process.env", 1);
  auto o = options("production");
  o.starter_env["PATH"] = std::getenv("PATH");
  auto n = load("ecosystem.config.js", o);
  // The second app has a typo: a warning (PM2 would run the file), with the line found in the JS text.
  CHECK(n.errors.empty());
  std::vector<std::string> warnings;
  for (const auto& w : n.warnings) warnings.push_back(shown(w));
  CHECK(std::count(
            warnings.begin(), warnings.end(),
            "ecosystem.config.js:17:7: app 1 (jobs): instaces: unknown key, ignored; did you mean `instances`?") == 1);
  REQUIRE(n.apps.size() == 2);
  const auto& api = n.apps[0];
  CHECK(api.script == (kCorpus / "app.js").string());
  CHECK(api.env.at("FROM_ENV") == "read through process.env");
  CHECK(api.env.at("NODE_ENV") == "production");
  CHECK(api.instances == 2);

  CHECK(only_app(load("default.config.mjs", o)).name == "esm-default");
  CHECK(only_app(load("named.config.mjs", o)).name == "esm-named");
  auto thrown = load("throws.config.js", o);
  CHECK_THAT(first_error(thrown),
             Catch::Contains("node could not load it") && Catch::Contains("DATABASE_URL is missing"));
  o.starter_env["PATH"] = "/nonexistent";
  auto no_node = load("ecosystem.config.js", o);
  CHECK_THAT(first_error(no_node), Catch::Contains("node is not on PATH") && Catch::Contains("JSON or YAML"));
}

TEST_CASE("syntax errors name the file, line and column", "[ecosystem]") {
  auto y = load("broken.yml");
  CHECK_THAT(first_error(y), Catch::StartsWith("broken.yml:4:"));
  auto j = std::get<Diagnostic>(parse_lenient_json("{\n  apps: [\n    {name: 'x' script: 'a'}\n  ]\n}"));
  CHECK(j.pos.line == 3);
  CHECK(j.pos.column == 16);
  CHECK(j.message == "expected ',' or '}' after the value of \"name\", found 's'");
  CHECK(std::get<Diagnostic>(parse_lenient_json("{\"a\": 'unterminated}")).message == "unterminated string");
  CHECK(std::get<Diagnostic>(parse_lenient_json("{a: nope}")).message ==
        "expected a value, found 'nope' (strings need quotes)");
  auto missing = load("no-such-file.yml");
  CHECK(first_error(missing) == "no-such-file.yml: no such file");
}

TEST_CASE("every error of a file is reported, each with what is accepted", "[ecosystem]") {
  auto n = load("errors.json");
  std::vector<std::string> messages;
  for (const auto& e : n.errors) messages.push_back(shown(e));
  CHECK(n.apps.empty());
  CHECK(messages == std::vector<std::string>{
                        "errors.json:6:20: app 0 (one): instances: expects a number, \"max\", 0 (= max) or -n (= max - "
                        "n), got \"lots\"",
                        "errors.json:7:29: app 0 (one): max_memory_restart: \"1,5G\" is not a size (expected bytes, or "
                        "digits with K, M or G in powers of 1024: \"300M\", \"1.5G\")",
                        "errors.json:8:21: app 0 (one): min_uptime: \"soon\" is not a duration (expected milliseconds, "
                        "or a number with ms, s, m or h: 500, \"10s\", \"2m\")",
                        "errors.json:9:22: app 0 (one): autorestart: expects true or false, got \"maybe\"",
                        "errors.json:14:5: app 1 (two): script: every app needs a script (the file or command to run)",
                        "errors.json:19:17: app 2 (three): script: script not found: missing.js (looked for " +
                            (kCorpus / "missing.js").string() + " and on PATH)",
                        "errors.json:20:20: app 2 (three): exec_mode: expects \"fork\" or \"cluster\" (or fork_mode, "
                        "cluster_mode), got \"turbo\"",
                    });
  std::vector<std::string> warnings;
  for (const auto& w : n.warnings) warnings.push_back(shown(w));
  CHECK(warnings ==
        std::vector<std::string>{
            "errors.json:10:7: app 0 (one): instaces: unknown key, ignored; did you mean `instances`?",
            "errors.json:11:7: app 0 (one): frobnicate: unknown key, ignored",
            "errors.json:12:7: app 0 (one): vizion: accepted but not supported by pmd yet; it has no effect",
        });
}

TEST_CASE("instances: numbers, max, 0, negatives and numeric strings", "[ecosystem]") {
  auto instances = [](const std::string& v) { return only_app(yaml("script: tool\ninstances: " + v)).instances; };
  CHECK(instances("3") == 3);
  CHECK(instances("\"3\"") == 3);
  CHECK(instances("max") == 4);
  CHECK(instances("0") == 4);
  CHECK(instances("-1") == 3);
  CHECK(instances("-10") == 1);
  CHECK(resolve_instances(-1, 1) == 1);
}

TEST_CASE("exec_mode spellings, and cluster only by default for node apps", "[ecosystem]") {
  CHECK(only_app(yaml("script: app.js\nexec_mode: cluster_mode")).exec_mode == "cluster");
  CHECK(only_app(yaml("script: app.js\nexec_mode: fork_mode\ninstances: 2")).exec_mode == "fork");
  CHECK(only_app(yaml("script: app.js")).exec_mode == "fork");
  CHECK(only_app(yaml("script: app.js\ninstances: 2")).exec_mode == "cluster");
  CHECK(only_app(yaml("script: tool\ninstances: 2")).exec_mode == "fork");
  // Debian's name for node is node too: one rule decides (it once gave fork mode here, yet the
  // Node IPC channel at launch).
  const auto loaded = yaml("script: tool\ninterpreter: nodejs\ninstances: 2");
  const auto& nodejs = only_app(loaded);
  CHECK(nodejs.exec_mode == "cluster");
  CHECK(pmd::is_node_app(nodejs));
}

TEST_CASE("sizes and durations in PM2's forms", "[ecosystem]") {
  CHECK(only_app(yaml("script: tool\nmax_memory_restart: 300M")).max_memory_restart == 300u << 20);
  CHECK(only_app(yaml("script: tool\nmax_memory_restart: 1gb")).max_memory_restart == 1u << 30);
  CHECK(only_app(yaml("script: tool\nmax_memory_restart: 512K")).max_memory_restart == 512u << 10);
  CHECK(only_app(yaml("script: tool\nmax_memory_restart: 1048576")).max_memory_restart == 1u << 20);
  CHECK(only_app(yaml("script: tool\nmin_uptime: 10s")).min_uptime.count() == 10'000);
  CHECK(only_app(yaml("script: tool\nmin_uptime: 2m")).min_uptime.count() == 120'000);
  CHECK(only_app(yaml("script: tool\nrestart_delay: 250")).restart_delay.count() == 250);
  CHECK(only_app(yaml("script: tool\nexp_backoff_restart_delay: 100")).exp_backoff_restart_delay.count() == 100);
  CHECK(only_app(yaml("script: tool\nlisten_timeout: 1h")).listen_timeout.count() == 3'600'000);
  CHECK(only_app(yaml("script: tool\nmax_restarts: 0")).max_restarts == 0);
}

TEST_CASE("args, script with spaces, shell syntax, interpreter and its args", "[ecosystem]") {
  auto split = only_app(yaml("script: tool\nargs: \"--name 'two words' -x\""));
  CHECK(split.args == std::vector<std::string>{"--name", "two words", "-x"});
  auto npm = only_app(yaml("script: \"sh -e -u\"\nname: viash"));
  CHECK_THAT(npm.script, Catch::EndsWith("/sh"));
  CHECK(npm.args == std::vector<std::string>{"-e", "-u"});
  auto shelled = yaml("script: \"echo hi | cat\"\nname: piped");
  REQUIRE(shelled.apps.size() == 1);
  CHECK(shelled.apps[0].script == "/bin/sh");
  CHECK(shelled.apps[0].args == std::vector<std::string>{"-c", "echo hi | cat"});
  REQUIRE(shelled.warnings.size() == 1);
  CHECK_THAT(shelled.warnings[0].message, Catch::Contains("/bin/sh -c"));
  auto none = only_app(yaml("script: tool\ninterpreter: none"));
  CHECK(none.interpreter.empty());
  auto node_args = only_app(yaml("script: app.js\nnode_args: --max-old-space-size=256 --trace-warnings"));
  CHECK(node_args.interpreter_args == std::vector<std::string>{"--max-old-space-size=256", "--trace-warnings"});
  auto py = only_app(yaml("script: worker.py\nenv:\n  PYTHONUNBUFFERED: \"0\""));
  CHECK(py.env.at("PYTHONUNBUFFERED") == "0");  // the user's choice wins
}

TEST_CASE("every other PM2 key lands in the spec", "[ecosystem]") {
  auto loaded = yaml(R"(
name: full
script: tool
cwd: .
autorestart: false
wait_ready: true
shutdown_with_message: true
stop_exit_codes: [0, 3]
kill_signal: SIGTERM
out_file: logs/out.log
error: logs/err.log
log_file: logs/all.log
combine_logs: true
time: true
increment_var: PORT
instance_var: INSTANCE_ID
namespace: backend
user: www-data
port: 8080
listen: 127.0.0.1:8080
env:
  FLAG: true
  EMPTY: null
)");
  const auto& app = only_app(loaded);
  CHECK_FALSE(app.autorestart);
  CHECK(app.wait_ready);
  CHECK(app.shutdown_with_message);
  CHECK(app.stop_exit_codes == std::vector<int>{0, 3});
  CHECK(app.kill_signal == 15);
  CHECK(app.out_file == (kCorpus / "logs/out.log").string());
  CHECK(app.error_file == (kCorpus / "logs/err.log").string());
  CHECK(app.log_file == (kCorpus / "logs/all.log").string());
  CHECK(app.merge_logs);
  CHECK_FALSE(app.log_date_format.empty());
  CHECK(app.increment_var == "PORT");
  CHECK(app.instance_var == "INSTANCE_ID");
  CHECK(app.namespace_ == "backend");
  CHECK(app.user == "www-data");
  CHECK(app.port == 8080);
  CHECK(app.listen == "127.0.0.1:8080");
  CHECK(app.env.at("FLAG") == "true");
  CHECK(app.env.at("EMPTY").empty());
}

TEST_CASE("only (--only) keeps the named apps and refuses unknown names", "[ecosystem]") {
  auto n = load("process.yml", options({}, {"tool"}));
  REQUIRE(n.errors.empty());
  REQUIRE(n.apps.size() == 1);
  CHECK(n.apps[0].name == "tool");
  auto unknown = load("process.yml", options({}, {"nope"}));
  CHECK_THAT(first_error(unknown), Catch::Contains("--only nope: no app of that name"));
}

TEST_CASE("duplicate names and wrong shapes are errors", "[ecosystem]") {
  auto dup = yaml("apps:\n  - {name: a, script: tool}\n  - {name: a, script: app.js}");
  CHECK_THAT(first_error(dup), Catch::Contains("two apps are named \"a\""));
  auto scalar = yaml("apps: 5");
  CHECK_THAT(first_error(scalar), Catch::Contains("apps: expects a list of apps"));
  auto not_object = yaml("apps:\n  - just a string");
  CHECK_THAT(first_error(not_object), Catch::Contains("an app must be an object"));
}

TEST_CASE("the config view uses PM2's names, bytes and milliseconds, null when unset", "[ecosystem]") {
  auto view = config_view(only_app(yaml("script: app.js\nmax_memory_restart: 1K\nmin_uptime: 2s")));
  CHECK(view["max_memory_restart"] == 1024);
  CHECK(view["min_uptime"] == 2000);
  CHECK(view["exec_mode"] == "fork");
  CHECK(view["interpreter"] == "node");
  CHECK(view["args"].is_array());
  CHECK(view["out_file"].is_null());
  CHECK(view["exp_backoff_restart_delay"].is_null());
  for (const char* key :
       {"name",         "script",         "args",           "interpreter",   "interpreter_args",
        "cwd",          "instances",      "exec_mode",      "env",           "max_memory_restart",
        "autorestart",  "max_restarts",   "min_uptime",     "restart_delay", "exp_backoff_restart_delay",
        "kill_timeout", "listen_timeout", "wait_ready",     "out_file",      "error_file",
        "log_file",     "merge_logs",     "log_date_format"})
    CHECK(view.contains(key));
}

TEST_CASE("cgroup quotas narrow the CPU count", "[ecosystem]") {
  CHECK(cpus_allowed(8, std::nullopt, 100000) == 8);
  CHECK(cpus_allowed(8, 200000, 100000) == 2);
  CHECK(cpus_allowed(8, 150000, 100000) == 2);
  CHECK(cpus_allowed(2, 800000, 100000) == 2);
  CHECK(cpus_allowed(4, 10000, 100000) == 1);
  CHECK_FALSE(parse_cpu_max("max 100000"));
  CHECK(parse_cpu_max("200000 100000") == std::pair<long long, long long>{200000, 100000});
  CHECK(usable_cpus() >= 1);
}

TEST_CASE("balance takes shared or reuseport, and reuseport needs a TCP port", "[ecosystem]") {
  CHECK(only_app(yaml("script: /bin/true\ninstances: 2\nexec_mode: cluster\nport: 8080")).balance == "shared");
  CHECK(only_app(yaml("script: /bin/true\ninstances: 2\nexec_mode: cluster\nport: 8080\nbalance: reuseport")).balance ==
        "reuseport");
  auto bad = yaml("script: /bin/true\nexec_mode: cluster\nbalance: roundrobin");
  REQUIRE(bad.errors.size() == 1);
  CHECK_THAT(bad.errors[0].message, Catch::Contains("\"shared\"") && Catch::Contains("\"reuseport\""));
  auto unix_socket = yaml("script: /bin/true\nexec_mode: cluster\nlisten: /run/api.sock\nbalance: reuseport");
  REQUIRE(unix_socket.errors.size() == 1);
  CHECK_THAT(unix_socket.errors[0].message, Catch::Contains("unix socket"));
  auto fork_mode = yaml("script: /bin/true\nbalance: reuseport");
  CHECK(fork_mode.errors.empty());
  REQUIRE(fork_mode.warnings.size() == 1);
  CHECK_THAT(fork_mode.warnings[0].message, Catch::Contains("only applies in cluster mode"));
}

TEST_CASE("hostile files get a positioned error, never a crash", "[ecosystem][hostile]") {
  // Each of these aborted pmctl (an uncaught exception, or memory exhausted) before.
  CHECK_THAT(first_error(load("hostile/invalid-utf8.yml")),
             Catch::StartsWith("hostile/invalid-utf8.yml:3:15:") && Catch::Contains("invalid UTF-8 (byte 0xE9)"));
  CHECK_THAT(first_error(load("hostile/huge-number.json")),
             Catch::StartsWith("hostile/huge-number.json:1:43:") && Catch::Contains("too large"));
  CHECK_THAT(first_error(load("hostile/alias-bomb.yml")), Catch::Contains("expands to more than 100000 values"));
  CHECK_THAT(first_error(load("hostile/deep.json")), Catch::Contains("nested too deeply"));
}

TEST_CASE("durations past 30 days and numbers past their range are refused", "[ecosystem][hostile]") {
  CHECK_THAT(first_error(yaml("script: tool\nkill_timeout: 1e30")),
             Catch::Contains("kill_timeout") && Catch::Contains("at most 30 days"));
  CHECK_THAT(first_error(yaml("script: tool\nrestart_delay: 31d")), Catch::Contains("at most 30 days"));
  CHECK(only_app(yaml("script: tool\nlisten_timeout: 30d")).listen_timeout == std::chrono::hours(24 * 30));
  CHECK_THAT(first_error(yaml("script: tool\nmax_restarts: 1e400")), Catch::Contains("max_restarts"));
  CHECK_THAT(first_error(yaml("script: tool\nmax_restarts: \"" + std::string(400, '9') + "\"")),
             Catch::Contains("between 0 and 1000000"));
  CHECK_THAT(first_error(yaml("script: tool\nport: 70000")), Catch::Contains("between 1 and 65535"));
  CHECK_THAT(first_error(yaml("script: tool\nmax_memory_restart: 1e300")), Catch::Contains("not a size"));
}

TEST_CASE("instances above 4 per CPU (and 1024) need --force", "[ecosystem][hostile]") {
  // usable_cpus is 4 here: 16 is the bound.
  CHECK(only_app(yaml("script: tool\ninstances: 16")).instances == 16);
  CHECK_THAT(first_error(yaml("script: tool\ninstances: 17")),
             Catch::Contains("17 instances is more than 16") && Catch::Contains("--force"));
  CHECK_THAT(first_error(yaml("script: tool\ninstances: 1e9")), Catch::Contains("at most 4096"));
  auto o = options();
  o.force_instances = true;
  auto forced = load_ecosystem(kCorpus / "process.yml", o);
  CHECK(forced.errors.empty());
  CHECK(pmd::instances_without_force(1) == 4);
  CHECK(pmd::instances_without_force(2) == 8);
  CHECK(pmd::instances_without_force(1000) == 1024);
}

TEST_CASE("env keys that execve could not pass whole are refused", "[ecosystem][hostile]") {
  CHECK_THAT(first_error(yaml("script: tool\nenv:\n  \"\": x")), Catch::Contains("empty name"));
  CHECK_THAT(first_error(yaml("script: tool\nenv:\n  \"A=B\": x")), Catch::Contains("must not contain '='"));
  CHECK_THAT(first_error(yaml("script: tool\nenv_production:\n  \"A\\nB\": x", "production")),
             Catch::Contains("newline"));
}

TEST_CASE("watch, cron_restart, pid_file and PM2's other forms of them", "[ecosystem][pm2]") {
  auto watched = only_app(yaml(R"(
script: tool
watch: true
ignore_watch: "*.log"
watch_delay: 2s
watch_options: {followSymlinks: true}
cron: "0 3 * * *"
pid: run/tool.pid
)"));
  CHECK(watched.watch == std::vector<std::string>{kCorpus.string()});
  CHECK(watched.ignore_watch == std::vector<std::string>{"*.log"});
  CHECK(watched.watch_delay == std::chrono::milliseconds(2000));
  CHECK(watched.watch_follow_symlinks);
  CHECK(watched.cron_restart == "0 3 * * *");
  CHECK(watched.pid_file == (kCorpus / "run/tool.pid").string());

  auto paths = yaml("script: tool\nwatch: [src, /etc/app]\nwatch_options: {usePolling: true}\n");
  CHECK(only_app(paths).watch == std::vector<std::string>{(kCorpus / "src").string(), "/etc/app"});
  REQUIRE(paths.warnings.size() == 1);
  CHECK_THAT(paths.warnings[0].message, Catch::Contains("usePolling") && Catch::Contains("inotify"));

  CHECK(only_app(yaml("script: tool\nwatch: my src\n")).watch ==
        std::vector<std::string>{(kCorpus / "my src").string()});
  std::string many = "script: tool\nignore_watch: [";
  for (int i = 0; i < 1001; ++i) many += (i ? ",p" : "p") + std::to_string(i);
  CHECK_THAT(first_error(yaml(many + "]\n")), Catch::Contains("at most 1000 patterns"));

  auto off = yaml("script: tool\nwatch: false\n");
  CHECK(only_app(off).watch.empty());
  CHECK(off.warnings.empty());  // watch: false is no news

  auto bad = yaml("script: tool\ncron_restart: \"61 * * * *\"\n");
  CHECK_THAT(first_error(bad), Catch::Contains("cron_restart: minute field"));

  // PM2's top-level pm2 key, cmd for script, append_env_to_name, and deploy.<env>.env.
  auto pm2 = yaml(R"(
pm2:
  - name: api
    cmd: tool
    append_env_to_name: true
    env: {A: "1"}
    env_staging: {B: "2"}
deploy:
  staging: {env: {C: "3", B: "deploy"}}
)",
                  "staging");
  const auto& api = only_app(pm2);
  CHECK(api.name == "api-staging");
  CHECK(api.env == pmd::Env{{"A", "1"}, {"B", "2"}, {"C", "3"}});
}

TEST_CASE("the socket decides the mode: a port with instances, or an address, is cluster mode", "[ecosystem]") {
  struct Row {
    const char* yaml;
    const char* mode;
    bool warned;
  };
  const Row rows[] = {
      {"script: tool\ninstances: 2\nport: 8000", "cluster", false},  // gunicorn, puma... any program
      {"script: tool\nport: 8000", "fork", false},                   // one instance binds it itself
      {"script: tool\nlisten: 127.0.0.1:8000", "cluster", false},    // an address: pmd binds it
      {"script: tool\ninstances: 2", "fork", false},                 // no socket: independent copies
      {"script: app.js\ninstances: 2", "cluster", false},            // Node: the preload finds the port
      {"script: app.js", "fork", false},
      {"script: tool\ninstances: 2\nport: 8000\nexec_mode: fork", "fork", true},  // they would fight
      {"script: tool\ninstances: 2\nexec_mode: cluster", "cluster", true},        // no port known: warned
  };
  for (const auto& row : rows) {
    INFO(row.yaml);
    auto n = yaml(row.yaml);
    CHECK(only_app(n).exec_mode == row.mode);
    CHECK(n.warnings.empty() != row.warned);
  }
}

TEST_CASE("a recognised server gets its stop signal, readiness and socket arguments unless the file says otherwise",
          "[ecosystem][server_program]") {
  pmd::test::TempDir bin;
  for (const char* name : {"gunicorn", "puma", "python3"}) bin.write(name, "#!/bin/sh\n", 0755);
  auto file = [&](const std::string& script, const std::string& rest) {
    return yaml("script: " + (bin.path / script).string() + "\ninstances: 2\nport: 8000\n" + rest);
  };
  SECTION("gunicorn: SIGTERM, READY=1, LISTEN_FDS (no arguments added)") {
    auto n = file("gunicorn", "args: app:app");
    const auto& app = only_app(n);
    CHECK(app.server_program == "gunicorn");
    CHECK(app.kill_signal == SIGTERM);
    CHECK(app.ready_on == "notify");
    CHECK(app.args == std::vector<std::string>{"app:app"});
    CHECK(app.exec_mode == "cluster");
  }
  SECTION("uvicorn through python3 -m: --fd 3 is added") {
    auto n = file("python3", "args: -m uvicorn main:app");
    const auto& app = only_app(n);
    CHECK(app.server_program == "uvicorn");
    CHECK(app.kill_signal == SIGTERM);
    CHECK(app.ready_on.empty());
    CHECK(app.args == std::vector<std::string>{"-m", "uvicorn", "main:app", "--fd", "3"});
  }
  SECTION("uvicorn told to bind a port itself: warned, nothing added") {
    auto n = file("python3", "args: -m uvicorn main:app --port 9000");
    CHECK(only_app(n).args.back() == "9000");
    REQUIRE(n.warnings.size() == 1);
    CHECK_THAT(n.warnings[0].message, Catch::Contains("--port"));
  }
  SECTION("a port given as PORT in env counts too (exec_mode: cluster)") {
    auto n = yaml("script: " + (bin.path / "python3").string() +
                  "\nargs: -m uvicorn main:app\ninstances: 2\nexec_mode: cluster\nenv:\n  PORT: 8000");
    CHECK(only_app(n).args == std::vector<std::string>{"-m", "uvicorn", "main:app", "--fd", "3"});
  }
  SECTION("puma: only the socket pmd passes") {
    auto n = file("puma", "args: config.ru");
    const auto& app = only_app(n);
    CHECK(app.args == std::vector<std::string>{"config.ru", "--bind-to-activated-sockets", "only"});
  }
  SECTION("the file's own kill_signal and wait_ready win") {
    auto n = file("gunicorn", "kill_signal: SIGQUIT\nwait_ready: uptime");
    const auto& app = only_app(n);
    CHECK(app.kill_signal == SIGQUIT);
    CHECK(app.ready_on == "uptime");
  }
  SECTION("one instance, fork mode: signal and readiness, no socket arguments") {
    auto n = yaml("script: " + (bin.path / "python3").string() + "\nargs: -m uvicorn main:app");
    const auto& app = only_app(n);
    CHECK(app.exec_mode == "fork");
    CHECK(app.kill_signal == SIGTERM);
    CHECK(app.args == std::vector<std::string>{"-m", "uvicorn", "main:app"});
  }
}

TEST_CASE("wait_ready names the signal, and listen is only for Node in cluster mode", "[ecosystem]") {
  CHECK(only_app(yaml("script: app.js\nwait_ready: true")).wait_ready);
  CHECK(only_app(yaml("script: app.js\nwait_ready: notify")).ready_on == "notify");
  CHECK(only_app(yaml("script: app.js\nready_on: uptime")).ready_on == "uptime");
  CHECK(only_app(yaml("script: app.js\ninstances: 2\nwait_ready: listen")).ready_on == "listen");
  auto wrong = yaml("script: tool\nwait_ready: listen");
  REQUIRE(wrong.errors.size() == 1);
  CHECK_THAT(wrong.errors[0].message, Catch::Contains("Node app in cluster mode"));
  auto unknown = yaml("script: app.js\nwait_ready: soon");
  REQUIRE(unknown.errors.size() == 1);
  CHECK_THAT(unknown.errors[0].message, Catch::Contains("notify"));
}
