// Supervisor on a fake ProcessOps: verbs that meet each other halfway (a delete or a stop in the
// middle of a reload), played in a chosen order, with no process and no sleeping.
#include "supervise/supervisor.h"
#include "bounded_json.h"
#include "fake_process_ops.h"
#include "jsonrpc.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>

#include <boost/asio/co_spawn.hpp>

#include <signal.h>

using namespace pmd;
using namespace pmd::test;
using lifecycle::Phase;
using namespace std::chrono_literals;
using nlohmann::json;

namespace {

AppSpec waiting_spec(const std::string& name, int instances) {
  AppSpec s;
  s.name = name;
  s.script = "/bin/true";
  s.cwd = "/";
  s.instances = instances;
  s.kill_signal = SIGINT;
  s.wait_ready = true;  // each launch waits for a ready signal (the fake's timer plays it)
  s.listen_timeout = 3000ms;
  return s;
}

/// The outcome of a verb run as a coroutine: its result, or the error it threw.
struct Outcome {
  bool done = false;
  json result;
  std::string error;
};

struct Rig {
  Rig() {
    std::filesystem::create_directories(dir.path / "logs");
    auto shared = std::make_shared<FakeProcessOps>();
    ops = shared.get();
    sup = std::make_unique<Supervisor>(io, home_paths(dir.path), shared);
  }
  ~Rig() { sup.reset(); }
  std::shared_ptr<Outcome> run(boost::asio::awaitable<json> verb) {
    auto outcome = std::make_shared<Outcome>();
    boost::asio::co_spawn(io, std::move(verb), [outcome](std::exception_ptr e, json result) {
      outcome->done = true;
      outcome->result = std::move(result);
      if (e) {
        try {
          std::rethrow_exception(e);
        } catch (const std::exception& x) {
          outcome->error = x.what();
        }
      }
    });
    return outcome;
  }
  bool until(const std::function<bool()>& done) { return run_until(io, done); }
  /// The timer index of instance id `id` is its creation order; fire every armed one.
  void fire_all_timers() {
    for (std::size_t i = 0; i < ops->timer_count(); ++i) ops->fire_timer(i);
  }

  TempDir dir;
  const std::optional<Env> same_env;  // verbs take it by reference: it outlives them here
  boost::asio::io_context io;
  FakeProcessOps* ops = nullptr;
  std::unique_ptr<Supervisor> sup;
};

}  // namespace

TEST_CASE("a delete in the middle of a reload ends the reload, and nothing is launched after it", "[supervisor]") {
  Rig r;
  r.sup->start(waiting_spec("api", 1));
  REQUIRE(r.ops->launched().size() == 1);
  const pid_t first = r.ops->launched()[0];
  r.fire_all_timers();  // its listen_timeout: treated as online

  // Verbs take their target by reference: it must outlive the coroutine.
  const std::string api = "api";
  auto reload = r.run(r.sup->reload(api, 1, r.same_env, {}));
  // Fork mode: the instance is stopped, then launched again and waited on.
  REQUIRE(r.until([&] { return r.ops->signals_to(first, SIGINT) == 1 || reload->done; }));
  INFO(reload->error);
  REQUIRE_FALSE(reload->done);
  r.ops->exit(first, SIGINT);
  REQUIRE(r.until([&] { return r.ops->launched().size() == 2; }));
  const pid_t second = r.ops->launched()[1];

  auto removed = r.run(r.sup->remove(api));
  REQUIRE(r.until([&] { return r.ops->signals_to(second, SIGINT) == 1; }));
  r.ops->exit(second, SIGINT);
  REQUIRE(r.until([&] { return reload->done && removed->done; }));

  CHECK(removed->error.empty());
  CHECK(removed->result.size() == 1);
  CHECK_FALSE(reload->error.empty());  // the reload says it did not complete
  CHECK(r.sup->empty());
  CHECK(r.ops->launched().size() == 2);
  CHECK_FALSE(r.ops->watched(second));
}

TEST_CASE("a stop in the middle of a reload leaves the app stopped", "[supervisor]") {
  Rig r;
  r.sup->start(waiting_spec("worker", 2));
  REQUIRE(r.ops->launched().size() == 2);
  r.fire_all_timers();

  const std::string worker = "worker";
  auto reload = r.run(r.sup->reload(worker, 1, r.same_env, {}));
  const pid_t first = r.ops->launched()[0];
  REQUIRE(r.until([&] { return r.ops->signals_to(first, SIGINT) == 1; }));
  r.ops->exit(first, SIGINT);
  REQUIRE(r.until([&] { return r.ops->launched().size() == 3; }));

  auto stopped = r.run(r.sup->stop(worker));
  for (pid_t pid : {r.ops->launched()[1], r.ops->launched()[2]}) {
    REQUIRE(r.until([&] { return r.ops->signals_to(pid, SIGINT) == 1; }));
    r.ops->exit(pid, SIGINT);
  }
  REQUIRE(r.until([&] { return reload->done && stopped->done; }));
  CHECK(stopped->error.empty());
  CHECK_FALSE(reload->error.empty());
  // Nothing was launched for the second instance after the stop, and nothing runs.
  CHECK(r.ops->launched().size() == 3);
  for (const auto& row : r.sup->list()) CHECK(row["status"] == "stopped");
}

TEST_CASE("a failed first launch registers nothing", "[supervisor]") {
  Rig r;
  r.ops->fail_next_launch("no such file: /bin/gone");
  CHECK_THROWS_WITH(r.sup->start(waiting_spec("gone", 1)), Catch::Contains("no such file: /bin/gone"));
  CHECK(r.sup->empty());
}

namespace {

/// A list's text with uptimes zeroed: the two lists compared are taken moments apart.
std::string same_moment(std::string text) {
  const std::string key = "\"uptime_ms\":";
  for (auto at = text.find(key); at != std::string::npos; at = text.find(key, at + 1)) {
    const auto digits = at + key.size();
    const auto end = text.find_first_not_of("0123456789", digits);
    text.replace(digits, end - digits, "0");
  }
  return text;
}

}  // namespace

TEST_CASE("list_text writes the bytes of list()'s dump: running, stopped, retiring and measured rows", "[supervisor]") {
  Rig r;
  AppSpec web = waiting_spec("web", 2);
  web.exec_mode = "cluster";
  web.listen = (r.dir.path / "web.sock").string();  // a socket: a reload replaces side by side
  web.wait_ready = false;
  web.max_memory_restart = 300ull << 20;
  r.sup->start(web);
  r.sup->start(waiting_spec("odd \"name\" \\ \xff", 1));
  r.fire_all_timers();
  auto running = r.sup->running_instances();
  REQUIRE(running.size() == 3);
  running[0]->record_usage(12.5, 1234, 45ull << 20, 2);
  running[1]->record_usage(0.1 + 0.2, 7, 1, 1);
  CHECK(same_moment(r.sup->list_text()) == same_moment(json_text(r.sup->list())));

  // A rolling reload: the replaced instance is listed as retiring until it has exited.
  const std::string name = "web";
  auto reload = r.run(r.sup->reload(name, 1, r.same_env, {}));
  REQUIRE(r.until([&] { return r.ops->launched().size() == 4; }));
  r.fire_all_timers();
  const pid_t first = r.ops->launched()[0];
  REQUIRE(r.until([&] { return r.ops->signals_to(first, SIGINT) == 1; }));
  const std::string text = r.sup->list_text();
  CHECK(text.find("\"retiring\":true") != std::string::npos);
  CHECK(same_moment(text) == same_moment(json_text(r.sup->list())));

  const std::string odd = "odd \"name\" \\ \xff";
  auto stopped = r.run(r.sup->stop(odd));
  const pid_t odd_pid = r.ops->launched()[2];
  REQUIRE(r.until([&] { return r.ops->signals_to(odd_pid, SIGINT) == 1; }));
  r.ops->exit(odd_pid, SIGINT);
  REQUIRE(r.until([&] { return stopped->done; }));
  CHECK(same_moment(r.sup->list_text()) == same_moment(json_text(r.sup->list())));

  // The reload runs to its end (the second instance is replaced the same way).
  r.ops->exit(first, SIGINT);
  REQUIRE(r.until([&] { return r.ops->launched().size() == 5; }));
  r.fire_all_timers();
  const pid_t second = r.ops->launched()[1];
  REQUIRE(r.until([&] { return r.ops->signals_to(second, SIGINT) == 1; }));
  r.ops->exit(second, SIGINT);
  REQUIRE(r.until([&] { return reload->done; }));
  CHECK(reload->error.empty());
  CHECK(same_moment(r.sup->list_text()) == same_moment(json_text(r.sup->list())));
}
