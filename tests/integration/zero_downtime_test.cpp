// Cluster mode under load: rolling reloads and scaling never fail a request, for a program that
// speaks LISTEN_FDS and for unmodified Node apps; a broken new version aborts the reload with
// the old instances serving; readiness is awaited (READY=1, process.send('ready'), the preload's
// listen) and shutdown_with_message asks over the IPC channel.
#include "daemon_fixture.h"
#include "http_client.h"
#include "skip.h"
#include "sticky_hash.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include <unistd.h>

using namespace pmd::test;
using nlohmann::json;

namespace {

// Readiness bound for tests whose subject is something else: on a loaded 2-core CI machine Node
// can take more than the default 3 s to start, and a reload would rightly abort.
const std::vector<std::string> kPatient = {"--listen-timeout", "30s"};

std::vector<std::string> with_patience(std::vector<std::string> args) {
  args.insert(args.end(), kPatient.begin(), kPatient.end());
  return args;
}

int online_count(const Daemon& d, const std::string& name) {
  int n = 0;
  for (auto& v : d.list())
    if (v["name"] == name && v["status"] == "online" && !v.value("retiring", false)) ++n;
  return n;
}

std::string describe_failures(const LoadReport& r) {
  std::ostringstream out;
  out << r.ok << " ok, " << r.failed << " failed, " << r.resent << " resent";
  for (auto& f : r.first_failures) out << "\n  " << f;
  return out.str();
}

// Waits until the load has seen `more` further answers (so each step happens under load).
void let_load_run(const HttpLoad& load, std::uint64_t more) {
  const auto start = load.snapshot().ok + load.snapshot().failed;
  REQUIRE(wait_until(
      [&] {
        auto s = load.snapshot();
        return s.ok + s.failed >= start + more;
      },
      30s));
}

// Starts a 2-instance cluster of a Node fixture with PORT=port (and `extra` variables); all online.
void start_node_cluster(const Daemon& d, const std::string& script, const std::string& name, int port,
                        const std::map<std::string, std::string>& extra = {}) {
  RunOptions env;
  env.env = extra;
  env.env["PORT"] = std::to_string(port);
  auto r = d.pmctl(with_patience({"start", fixture(script).string(), "--name", name, "-i", "2"}), env);
  INFO(r.out << r.err << d.log_tail());
  REQUIRE(r.exit_code == 0);
  REQUIRE(online_count(d, name) == 2);
}

// Five reloads (each replacing every pid) and scale 2 -> 4 -> 1 -> 2, all under load. A server
// whose answers come from worker processes (gunicorn) does not answer with the instance's pid.
// `resent_allowed`: the server closes idle keep-alive connections at once when it stops, so a
// request sent at that moment must be sent again (see LoadReport::resent); pmd's Node drain
// never needs that.
void reload_and_scale_under_load(Daemon& d, const std::string& name, int port, int reloads,
                                 bool answers_with_instance_pid = true, bool resent_allowed = false) {
  HttpLoad load(port, 4);
  let_load_run(load, 200);
  for (int i = 0; i < reloads; ++i) {
    auto before = pids_of(d, name);
    REQUIRE(before.size() == 2);
    auto r = d.pmctl({"reload", name});
    INFO(r.out << r.err << d.log_tail());
    REQUIRE(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains(name + " #0: pid ") && Catch::Contains(name + " #1: pid "));
    auto after = pids_of(d, name);
    CHECK(after.size() == 2);
    for (int pid : after) CHECK(before.count(pid) == 0);  // every pid replaced
    CHECK(online_count(d, name) == 2);
    let_load_run(load, 100);
    // The old instances closed their connections; the clients now talk to the new ones.
    auto bodies = load.snapshot().bodies;
    if (answers_with_instance_pid)
      CHECK(std::any_of(after.begin(), after.end(),
                        [&](int pid) { return bodies.count("pid " + std::to_string(pid) + "\n") > 0; }));
  }
  for (auto [count, expect] : {std::pair{"4", 4}, {"-3", 1}, {"+1", 2}}) {
    auto r = d.pmctl({"scale", name, count});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(online_count(d, name) == expect);
    let_load_run(load, 100);
  }
  auto report = load.stop();
  INFO(describe_failures(report) << "\n" << d.log_tail());
  CHECK(report.failed == 0);
  if (!resent_allowed) CHECK(report.resent == 0);
  if (report.resent > 0) WARN(name << ": " << report.resent << " requests resent on a new connection");
  CHECK(report.ok > 1000);
}

}  // namespace

TEST_CASE("a LISTEN_FDS server is reloaded and scaled under load without one failed request", "[cluster][reload]") {
  Daemon d;
  const int port = free_port();
  auto server = (bin_dir() / "graceful_http_server").string();
  auto r = d.pmctl(with_patience({"start", server, "--name", "native", "-i", "2", "--exec-mode", "cluster", "--port",
                                  std::to_string(port), "--env-var", "SAY_READY=1"}));
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(online_count(d, "native") == 2);  // start waited for READY=1
  CHECK_THAT(d.describe("native")["readiness"]["became_ready"].get<std::string>(), Catch::Contains("READY=1"));
  reload_and_scale_under_load(d, "native", port, 5);
}

TEST_CASE("an unmodified Node http app is reloaded and scaled under load without one failed request",
          "[cluster][reload][node]") {
  Daemon d;
  const int port = free_port();
  start_node_cluster(d, "http_server.js", "web", port);
  CHECK_THAT(d.describe("web")["readiness"]["became_ready"].get<std::string>(),
             Catch::Contains("listening on the shared socket"));
  reload_and_scale_under_load(d, "web", port, 5);
}

TEST_CASE("an Express-style app.listen(PORT, cb) is reloaded under load without one failed request",
          "[cluster][reload][node]") {
  Daemon d;
  const int port = free_port();
  start_node_cluster(d, "express_style.js", "express", port);
  reload_and_scale_under_load(d, "express", port, 2);
}

TEST_CASE("a Node app with its own SIGINT, SIGTERM or shutdown handler that calls server.close() loses no request",
          "[cluster][reload][node]") {
  // pmd drains the instance through the preload before the signal (or message) reaches the
  // app's handler, so server.close() finds no keep-alive connection to reset.
  const std::string stop_on = GENERATE(as<std::string>{}, "SIGINT", "SIGTERM", "shutdown");
  CAPTURE(stop_on);
  Daemon d;
  const int port = free_port();
  std::vector<std::string> args = {"start", fixture("closes_on_signal.js").string(), "--name", "closer", "-i", "2"};
  if (stop_on == "SIGTERM") args.insert(args.end(), {"--kill-signal", "SIGTERM"});
  if (stop_on == "shutdown") args.push_back("--shutdown-with-message");
  RunOptions env;
  env.env = {{"PORT", std::to_string(port)}, {"STOP_ON", stop_on}};
  auto r = d.pmctl(with_patience(args), env);
  INFO(r.out << r.err << d.log_tail());
  REQUIRE(r.exit_code == 0);
  REQUIRE(online_count(d, "closer") == 2);
  reload_and_scale_under_load(d, "closer", port, 5);
  // The handler ran (it is what stopped them), and its server.close() callback got no error.
  auto logs = d.pmctl({"logs", "closer", "--nostream", "--lines", "1000"});
  CHECK_THAT(logs.out, Catch::Contains(stop_on + ": closing the server"));
  CHECK_THAT(logs.out + logs.err, !Catch::Contains("close failed"));
}

TEST_CASE("a reload whose new version crashes at start aborts and the old instances keep serving",
          "[cluster][reload][node]") {
  Daemon d;
  const int port = free_port();
  const auto broken_marker = d.home() / "broken";
  start_node_cluster(d, "http_server.js", "web", port, {{"CRASH_IF_EXISTS", broken_marker.string()}});
  auto before = pids_of(d, "web");
  HttpLoad load(port, 4);
  let_load_run(load, 200);
  { std::ofstream(broken_marker) << "x"; }  // the "new version" cannot start
  auto r = d.pmctl({"reload", "web"});
  INFO(r.out << r.err);
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("reload aborted") &&
                        Catch::Contains("exited with exit code 1 before it was ready") &&
                        Catch::Contains("keeps serving"));
  CHECK(pids_of(d, "web") == before);  // nothing replaced, nothing lost
  CHECK(online_count(d, "web") == 2);
  CHECK_THAT(d.describe("web").value("last_reload_error", ""), Catch::Contains("keeps serving"));
  let_load_run(load, 100);
  auto report = load.stop();
  INFO(describe_failures(report));
  CHECK(report.failed == 0);
  CHECK(report.resent == 0);
  // Fixed: the next reload goes through.
  std::filesystem::remove(broken_marker);
  CHECK(d.pmctl({"reload", "web"}).exit_code == 0);
  for (int pid : pids_of(d, "web")) CHECK(before.count(pid) == 0);
}

TEST_CASE("a replacement that never signals readiness within listen_timeout aborts the reload", "[cluster][reload]") {
  Daemon d;
  const int port = free_port();
  auto server = (bin_dir() / "graceful_http_server").string();
  // wait_ready without SAY_READY: the app never says READY=1.
  auto r = d.pmctl({"start", server, "--name", "silent", "-i", "2", "--exec-mode", "cluster", "--port",
                    std::to_string(port), "--wait-ready", "--listen-timeout", "500ms"});
  REQUIRE(r.exit_code == 0);
  auto before = pids_of(d, "silent");
  auto reload = d.pmctl({"reload", "silent"});
  CHECK(reload.exit_code != 0);
  CHECK_THAT(reload.err, Catch::Contains("did not signal readiness") && Catch::Contains("listen_timeout 500ms") &&
                             Catch::Contains("--listen-timeout"));
  CHECK(pids_of(d, "silent") == before);
  CHECK_THAT(http_get(port), Catch::Contains("pid "));

  // `reload all`: the failing app does not keep the others from reloading; both are reported.
  REQUIRE(d.pmctl({"start", "sleep", "--name", "after", "--", "1000"}).exit_code == 0);
  const int after_pid = d.instance("after")["pid"];
  auto all = d.pmctl({"reload", "all"});
  CHECK(all.exit_code == 1);
  CHECK_THAT(all.err, Catch::Contains("reload aborted") && Catch::Contains("(reloaded: after)"));
  CHECK(d.instance("after")["pid"] != after_pid);
  CHECK(pids_of(d, "silent") == before);
}

TEST_CASE("wait_ready waits for process.send('ready') and shutdown_with_message stops over the IPC channel",
          "[readiness][node]") {
  Daemon d;
  RunOptions env;
  env.env["READY_DELAY_MS"] = "400";
  auto r = d.pmctl({"start", fixture("ready_when_told.js").string(), "--name", "told", "--wait-ready",
                    "--shutdown-with-message", "--kill-timeout", "5000"},
                   env);
  INFO(r.out << r.err << d.log_tail());
  REQUIRE(r.exit_code == 0);
  auto v = d.describe("told");
  CHECK(v["status"] == "online");  // start answered after the app said ready
  CHECK_THAT(v["readiness"]["became_ready"].get<std::string>(), Catch::Contains("said ready (process.send)"));
  auto stop = d.pmctl({"stop", "told"});
  REQUIRE(stop.exit_code == 0);
  v = d.describe("told");
  CHECK(v["status"] == "stopped");
  CHECK_THAT(v["reason"].get<std::string>(), Catch::Contains("exit code 0"));  // not a signal, not SIGKILL
  auto logs = d.pmctl({"logs", "told", "--nostream", "--lines", "20"});
  CHECK_THAT(logs.out, Catch::Contains("got shutdown message"));
}

TEST_CASE("a Node app with its port written in the code is shared, reloaded and scaled without one failed request",
          "[cluster][reload][node]") {
  Daemon d;
  const int port = free_port();
  RunOptions env;
  env.env["APP_FIXED_PORT"] = std::to_string(port);  // no PORT, no --port: pmd cannot know it in advance
  env.env.erase("PORT");
  auto r = d.pmctl(with_patience({"start", fixture("fixed_port.js").string(), "--name", "fixed", "-i", "2"}), env);
  INFO(r.out << r.err << d.log_tail());
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.find("cluster mode without a port") == std::string::npos);  // no warning for Node apps
  REQUIRE(online_count(d, "fixed") == 2);  // the second instance did not die of EADDRINUSE
  CHECK_THAT(d.log_tail(), Catch::Contains("pmd bound it and shares it"));
  // The address learnt from the code is shown, in describe and list --json.
  CHECK_THAT(d.describe("fixed")["address"].get<std::string>(), Catch::Contains(std::to_string(port)));
  CHECK_THAT(d.pmctl({"describe", "fixed"}).out, Catch::Contains("serves on"));
  reload_and_scale_under_load(d, "fixed", port, 2);
}

TEST_CASE("in cluster mode a leaking instance is replaced, ready first, without one failed request",
          "[cluster][memory][node]") {
  Daemon d;
  const int port = free_port();
  RunOptions env;
  env.env["PORT"] = std::to_string(port);
  // (max_memory_restart comes on the command line, so not through start_node_cluster.)
  REQUIRE(d.pmctl(with_patience({"start", fixture("leaky_http_server.js").string(), "--name", "leaky", "-i", "2",
                                 "--max-memory-restart", "120M"}),
                  env)
              .exit_code == 0);
  auto first = pids_of(d, "leaky");
  HttpLoad load(port, 4);
  auto memory_restarts = [&] {
    int n = 0;
    for (auto& v : d.list())
      if (v["name"] == "leaky" && !v.value("retiring", false)) n += v["memory_restarts"].get<int>();
    return n;
  };
  REQUIRE(wait_until([&] { return memory_restarts() >= 2; }, 60s));
  auto report = load.stop();
  INFO(describe_failures(report) << "\n" << d.log_tail());
  CHECK(report.failed == 0);
  CHECK(report.resent == 0);
  CHECK(report.ok > 100);
  auto v = d.describe("leaky");
  CHECK_THAT(v["reason"].get<std::string>(), Catch::Contains("listening on the shared socket"));
  CHECK_THAT(d.log_tail(), Catch::Contains("replacing it (the replacement serves first)"));
  for (int pid : pids_of(d, "leaky")) CHECK(first.count(pid) == 0);
}

TEST_CASE("balance reuseport gives each instance its own socket, balanced by the kernel and kept across reloads",
          "[cluster][reload][reuseport]") {
  Daemon d;
  const int port = free_port();
  auto server = (bin_dir() / "graceful_http_server").string();
  auto r = d.pmctl(with_patience({"start", server, "--name", "native", "-i", "4", "--exec-mode", "cluster", "--port",
                                  std::to_string(port), "--balance", "reuseport", "--env-var", "SAY_READY=1"}));
  INFO(r.out << r.err << d.log_tail());
  REQUIRE(r.exit_code == 0);
  REQUIRE(online_count(d, "native") == 4);
  // New connections spread over the four sockets (the kernel hashes each connection's addresses).
  std::map<std::string, int> answers;
  for (int i = 0; i < 400; ++i) {
    auto response = http_get(port);
    REQUIRE_THAT(response, Catch::Contains("pid "));
    ++answers[response.substr(response.find("pid "))];
  }
  CHECK(answers.size() == 4);
  for (auto& [pid, count] : answers) CHECK(count >= 40);  // 100 expected each

  HttpLoad load(port, 4);
  let_load_run(load, 200);
  for (int i = 0; i < 3; ++i) {
    auto before = pids_of(d, "native");
    auto reload = d.pmctl({"reload", "native"});
    INFO(reload.out << reload.err);
    REQUIRE(reload.exit_code == 0);
    for (int pid : pids_of(d, "native")) CHECK(before.count(pid) == 0);
    let_load_run(load, 100);
  }
  auto report = load.stop();
  INFO(describe_failures(report) << "\n" << d.log_tail());
  CHECK(report.failed == 0);
  CHECK(report.resent == 0);

  // Scaling down closes the highest slots' sockets; afterwards no connection lands on them.
  auto scaled = d.pmctl({"scale", "native", "2"});
  REQUIRE(scaled.exit_code == 0);
  if (pmd::test::read_file("/proc/sys/net/ipv4/tcp_migrate_req").rfind('1', 0) != 0)
    CHECK_THAT(scaled.out, Catch::Contains("tcp_migrate_req is 0"));
  REQUIRE(online_count(d, "native") == 2);
  for (int i = 0; i < 100; ++i) REQUIRE_THAT(http_get(port), Catch::Contains("pid "));
}

namespace {

// The pid in a "pid N" answer, or -1.
int pid_in(const std::string& response) {
  auto at = response.find("pid ");
  return at == std::string::npos ? -1 : std::atoi(response.c_str() + at + 4);
}

// The instance number of each serving (not retiring) pid of app `name`.
std::map<int, int> instances_by_pid(const Daemon& d, const std::string& name) {
  std::map<int, int> instances;
  for (auto& v : d.list())
    if (v["name"] == name && !v.value("retiring", false)) instances[v.value("pid", 0)] = v["instance"].get<int>();
  return instances;
}

// The instance number serving `pid` (-1 if none).
int instance_of_pid(const Daemon& d, const std::string& name, int pid) {
  auto instances = instances_by_pid(d, name);
  return instances.count(pid) ? instances[pid] : -1;
}

// The instance numbers that answered `count` new connections from client address `source` (-1
// for an answer from no current instance of `name`, or none at all). One list after the
// connections, not one per connection: a slow machine pays for every pmctl it runs.
std::set<int> instances_reached_from(const Daemon& d, const std::string& name, int port, std::uint32_t source,
                                     int count) {
  std::set<int> pids;
  for (int i = 0; i < count; ++i) pids.insert(pid_in(http_get_from(port, source)));
  auto instances = instances_by_pid(d, name);
  std::set<int> reached;
  for (int pid : pids) reached.insert(instances.count(pid) ? instances[pid] : -1);
  return reached;
}

}  // namespace

TEST_CASE("balance sticky keeps each client address on one instance, the one the hash predicts, across reloads",
          "[cluster][reload][sticky]") {
  Daemon d;
  const int port = free_port();
  auto server = (bin_dir() / "graceful_http_server").string();
  auto r = d.pmctl(with_patience({"start", server, "--name", "sticky", "-i", "4", "--exec-mode", "cluster", "--port",
                                  std::to_string(port), "--balance", "sticky", "--env-var", "SAY_READY=1"}));
  INFO(r.out << r.err << d.log_tail());
  REQUIRE(r.exit_code == 0);
  REQUIRE(online_count(d, "sticky") == 4);
  CHECK_THAT(d.log_tail(), !Catch::Contains("refused the sticky BPF program"));
  const std::vector<int> slots = {0, 1, 2, 3};
  auto predicted = [&](std::uint32_t source) {
    return pmd::sticky_slot_of_bucket(pmd::sticky_bucket_ipv4(source), slots);
  };
  // 50 new connections from 127.0.0.1 all reach one instance; 127.0.0.2 and .3 reach the ones
  // the hash predicts (the whole 127/8 is local).
  for (std::uint32_t source : {0x7F000001u, 0x7F000002u, 0x7F000003u}) {
    INFO("from 127.0.0." << (source & 0xff));
    CHECK(instances_reached_from(d, "sticky", port, source, 50) == std::set<int>{predicted(source)});
  }
  // The same clients stay on their instance slots across 3 reloads, with 0 failed requests.
  HttpLoad load(port, 4);
  let_load_run(load, 200);
  for (int i = 0; i < 3; ++i) {
    auto reload = d.pmctl({"reload", "sticky"});
    INFO(reload.out << reload.err);
    REQUIRE(reload.exit_code == 0);
    let_load_run(load, 100);
    for (std::uint32_t source : {0x7F000001u, 0x7F000002u, 0x7F000003u})
      CHECK(instances_reached_from(d, "sticky", port, source, 10) == std::set<int>{predicted(source)});
  }
  auto report = load.stop();
  INFO(describe_failures(report) << "\n" << d.log_tail());
  CHECK(report.failed == 0);
  CHECK(report.resent == 0);
  // Without it, one client's connections spread over the instances: why the option exists.
  Daemon plain;
  const int plain_port = free_port();
  REQUIRE(plain
              .pmctl(with_patience({"start", server, "--name", "spread", "-i", "4", "--exec-mode", "cluster", "--port",
                                    std::to_string(plain_port), "--balance", "reuseport", "--env-var", "SAY_READY=1"}))
              .exit_code == 0);
  CHECK(instances_reached_from(plain, "spread", plain_port, 0x7F000001u, 50).size() > 1);
}

namespace {

// A real server program from Debian, or a visible skip.
bool have_program(const std::string& path, const std::vector<std::string>& probe = {}) {
  if (::access(path.c_str(), X_OK) != 0) return false;
  if (probe.empty()) return true;
  std::vector<std::string> argv = {path};
  argv.insert(argv.end(), probe.begin(), probe.end());
  return run_command(argv).exit_code == 0;
}

// An ecosystem file with `port` and `instances: 2` and nothing else a user would have to know.
std::string server_file(const Daemon& d, const std::string& name, const std::string& script, const std::string& args,
                        int port, const std::string& extra) {
  auto path = d.home() / (name + ".config.js");
  std::ofstream(path) << "module.exports = { apps: [{ name: '" << name << "', script: '" << script << "', args: '"
                      << args << "', cwd: '" << fixture("servers").string() << "', port: " << port
                      << ", instances: 2, listen_timeout: 30000" << extra << " }] };\n";
  return path.string();
}

}  // namespace

namespace {

// A real server started from a file with `port` and `instances: 2` and nothing else, reloaded 5
// times and scaled under load: 0 failed requests. `which`: 0 gunicorn, 1 uvicorn, 2 puma, 3 a plain
// Python server (the README's recipes).
void serve_under_load(int which) {
  struct Server {
    const char* name;
    const char* script;
    const char* args;
    std::vector<std::string> probe;
    const char* ready_rule;  // what describe says made it ready
    bool answers_with_instance_pid;
    // It closes idle keep-alive connections the moment it is told to stop (uvicorn, puma): a
    // request sent just then is resent by the client (LoadReport::resent). gunicorn's sync
    // workers close every connection after its answer.
    bool closes_idle_at_once;
    const char* extra = "";  // further keys of its file
    bool recognised = true;
  };
  const Server servers[] = {
      {"gunicorn", "/usr/bin/gunicorn", "wsgi_app:app", {"--version"}, "READY=1", false, false},
      {"uvicorn", "/usr/bin/python3", "-m uvicorn asgi_app:app", {"-c", "import uvicorn"}, "min_uptime", true, true},
      {"puma", "/usr/bin/puma", "config.ru", {"--version"}, "min_uptime", true, true},
      // The README's recipe for a program pmd does not know: the standard library's server on fd 3.
      {"plain-python",
       "/usr/bin/python3",
       "plain_server.py",
       {"--version"},
       "min_uptime",
       true,
       false,
       ", kill_signal: 'SIGTERM'",
       false},
  };
  const Server& server = servers[which];
  if (!have_program(server.script, server.probe))
    PMD_SKIP(pmd::test::Need::kServers, std::string(server.name) +
                                            " is not installed (Debian: gunicorn, "
                                            "python3-uvicorn, puma)");
  Daemon d;
  const int port = free_port();
  auto r = d.pmctl({"start", server_file(d, server.name, server.script, server.args, port, server.extra)});
  INFO(r.out << r.err << d.log_tail());
  REQUIRE(r.exit_code == 0);
  REQUIRE(online_count(d, server.name) == 2);
  // Recognised: cluster mode (the socket decides), its graceful signal and readiness.
  auto v = d.describe(server.name);
  CHECK(v["mode"] == "cluster");
  CHECK(v["server_program"] == (server.recognised ? json(server.name) : json(nullptr)));
  CHECK(v["settings"]["kill_signal"] == "SIGTERM");
  CHECK_THAT(v["readiness"]["became_ready"].get<std::string>(), Catch::Contains(server.ready_rule));
  CHECK_THAT(http_get(port), Catch::Contains("200"));
  reload_and_scale_under_load(d, server.name, port, 5, server.answers_with_instance_pid, server.closes_idle_at_once);
  // A server that speaks sd_notify is held to READY=1 from then on, never to min_uptime.
  if (std::string(server.name) == "gunicorn")
    CHECK_THAT(d.describe(server.name)["readiness"]["rule"].get<std::string>(), Catch::Contains("sd_notify"));
}

}  // namespace

TEST_CASE("gunicorn from a file with port and instances is reloaded and scaled under load without one failed request",
          "[cluster][reload][servers]") {
  serve_under_load(0);
}

TEST_CASE("uvicorn from a file with port and instances is reloaded and scaled under load without one failed request",
          "[cluster][reload][servers]") {
  serve_under_load(1);
}

TEST_CASE("puma from a file with port and instances is reloaded and scaled under load without one failed request",
          "[cluster][reload][servers]") {
  serve_under_load(2);
}

TEST_CASE("a plain Python server on fd 3 is reloaded and scaled under load without one failed request",
          "[cluster][reload][servers]") {
  serve_under_load(3);
}

TEST_CASE("a Node worker that never listens is ready after min_uptime in cluster mode, at start and in a reload",
          "[cluster][reload][node]") {
  Daemon d;
  const auto began = std::chrono::steady_clock::now();
  auto r = d.pmctl({"start", fixture("queue_worker.js").string(), "--name", "worker", "-i", "2", "--min-uptime",
                    "500ms", "--listen-timeout", "60s"});
  const auto took = std::chrono::steady_clock::now() - began;
  INFO(r.out << r.err << d.log_tail());
  REQUIRE(r.exit_code == 0);
  CHECK(online_count(d, "worker") == 2);
  CHECK(d.describe("worker")["mode"] == "cluster");
  // Ready by min_uptime once its code ran, not after listen_timeout (60 s here).
  CHECK(took < 30s);
  CHECK_THAT(d.describe("worker")["readiness"]["became_ready"].get<std::string>(),
             Catch::Contains("not listening on the shared socket"));
  for (int i = 0; i < 2; ++i) {
    auto before = pids_of(d, "worker");
    auto reload = d.pmctl({"reload", "worker"});
    INFO(reload.out << reload.err << d.log_tail());
    REQUIRE(reload.exit_code == 0);
    auto after = pids_of(d, "worker");
    CHECK(after.size() == 2);
    for (int pid : after) CHECK(before.count(pid) == 0);
  }
}

TEST_CASE("a real Socket.IO server in 4 instances works with balance sticky, and fails handshakes without it",
          "[cluster][reload][sticky][servers]") {
  const std::vector<std::string> probe = {"-c", "import socketio, uvicorn, requests, websocket"};
  if (!have_program("/usr/bin/python3", probe))
    PMD_SKIP(pmd::test::Need::kServers,
             "python3-socketio, python3-uvicorn, python3-requests or python3-websocket is not installed");
  // `count` clients, each with the default handshake (long-polling, then the WebSocket upgrade).
  auto clients = [](int port, int count) {
    auto r = run_command({"/usr/bin/python3", fixture("servers/socketio_clients.py").string(), std::to_string(port),
                          std::to_string(count)});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    return json::parse(r.out);
  };
  auto start = [&](const Daemon& d, const std::string& balance, int port) {
    // (the patience flags go before `--`: what follows is uvicorn's)
    auto r = d.pmctl({"start",
                      "/usr/bin/python3",
                      "--name",
                      "sio",
                      "-i",
                      "4",
                      "--cwd",
                      fixture("servers").string(),
                      "--port",
                      std::to_string(port),
                      "--balance",
                      balance,
                      "--listen-timeout",
                      "30s",
                      "--min-uptime",
                      "500ms",
                      "--",
                      "-m",
                      "uvicorn",
                      "socketio_app:app"});
    INFO(r.out << r.err << d.log_tail());
    REQUIRE(r.exit_code == 0);
    REQUIRE(online_count(d, "sio") == 4);
  };
  {
    Daemon d;
    const int port = free_port();
    start(d, "sticky", port);
    for (int round = 0; round < 4; ++round) {
      INFO("round " << round << " (after " << round << " reloads)");
      // 20 at first, then 10 after each reload (keeping the test short).
      const int count = round == 0 ? 20 : 10;
      auto report = clients(port, count);
      INFO(report.dump());
      CHECK(report["ok"] == count);
      CHECK(report["failed"] == 0);
      // Every client from 127.0.0.1 is on the instance the hash predicts.
      REQUIRE(report["pids"].size() == 1);
      CHECK(instance_of_pid(d, "sio", report["pids"][0].get<int>()) ==
            pmd::sticky_slot_of_bucket(pmd::sticky_bucket_ipv4(0x7F000001u), {0, 1, 2, 3}));
      if (round < 3) REQUIRE(d.pmctl({"reload", "sio"}).exit_code == 0);
    }
  }
  {
    // The contrast: without sticky sessions, polling requests reach instances that do not know
    // the client's session.
    Daemon d;
    const int port = free_port();
    start(d, "reuseport", port);
    auto report = clients(port, 10);
    INFO(report.dump());
    CHECK(report["failed"].get<int>() > 0);
  }
}
