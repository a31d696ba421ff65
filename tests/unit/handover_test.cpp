// What crosses from one pmd to the next: the holder protocol's headers and names, the bounded
// keeping of output while no pmd reads it, and records of handover format 1 (files checked in
// under handover_v1/, as a pmd of that format wrote them) adopted by this pmd.
#include "fake_process_ops.h"
#include "handover/first_line.h"
#include "handover/holder_protocol.h"
#include "process/proc_table.h"
#include "supervise/supervisor.h"
#include "temp_dir.h"

#include <catch2/catch.hpp>

#include <pthread.h>
#include <signal.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <sstream>
#include <thread>

using namespace pmd;
using namespace pmd::handover;
using namespace pmd::test;
using nlohmann::json;

namespace {

std::string lines(int from, int to, const char* word = "n") {
  std::string out;
  for (int i = from; i <= to; ++i) out += std::string(word) + " " + std::to_string(i) + "\n";
  return out;
}

std::string fixture_text(const std::string& name) {
  std::ifstream in(std::string(PMD_TEST_SOURCE_DIR) + "/tests/unit/handover_v1/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  REQUIRE_FALSE(text.str().empty());
  return text.str();
}

TakenRecord record(std::string key, std::string data) { return TakenRecord{std::move(key), std::move(data), {}}; }

}  // namespace

TEST_CASE("the holder keeps whole lines up to its bound and counts every line it drops", "[handover]") {
  SECTION("under the bound everything is kept, a line still being written too") {
    KeptOutput k(1000);
    k.feed("a 1\na 2\nhalf");
    CHECK(k.kept() == "a 1\na 2\nhalf");
    CHECK(k.lost_text() == "-");
  }
  SECTION("over it: the whole lines that fit, then every line after counted once") {
    KeptOutput k(25);
    k.feed(lines(1, 3));   // 4 bytes a line: 12
    k.feed(lines(4, 10));  // past 25: lines 1 to 6 fit (24 bytes), "n 7" starts the drop
    CHECK(k.kept() == lines(1, 6));
    CHECK(k.lost_lines() == 4);  // 7..10
    CHECK_FALSE(k.dropping_inside_line());
    k.feed("n 11\nn 1");  // one more whole line, and the start of another
    CHECK(k.lost_lines() == 6);
    CHECK(k.dropping_inside_line());
    CHECK(k.lost_text() == "6+");
    k.feed("2\n");  // its end: still one line
    CHECK(k.lost_lines() == 6);
    CHECK(k.lost_text() == "6");
    CHECK(k.kept() == lines(1, 6));
  }
  SECTION("one line longer than the bound is dropped whole, not cut") {
    KeptOutput k(8);
    k.feed(std::string(20, 'x'));
    CHECK(k.kept().empty());
    CHECK(k.lost_text() == "1+");
  }
  SECTION("read back by pmd") {
    CHECK(parse_lost("-").lines == 0);
    CHECK(parse_lost("12+").lines == 12);
    CHECK(parse_lost("12+").inside_line);
    CHECK_FALSE(parse_lost("12").inside_line);
    CHECK(split_lost("3,-,4+") == std::vector<std::string>{"3", "-", "4+"});
  }
}

TEST_CASE("holder headers read back as written, and anything else is refused", "[handover]") {
  Header put{"put", "doe", "", "a my app"};
  auto back = parse_header(format_header(put));
  REQUIRE(back);
  CHECK(back->verb == "put");
  CHECK(back->roles == "doe");
  CHECK(back->key == "a my app");  // keys may hold spaces: they are the rest of the line
  Header rec{"rec", "dok", "12+", "i7"};
  back = parse_header(format_header(rec));
  REQUIRE(back);
  CHECK(back->lost == "12+");
  CHECK(parse_header("take"));
  CHECK(parse_header("bye"));
  for (const char* bad :
       {"", "take now", "put", "put d", "del", "steal everything", "put d a\nb", "put dddddddddddddddddddd key"})
    CHECK_FALSE(parse_header(bad));
  CHECK_FALSE(parse_header(std::string("del a\0b", 7)));
}

TEST_CASE("the names a home is known by are stable, its own, and fit a socket address", "[handover]") {
  CHECK(holder_name("/srv/pmd", 1000) == holder_name("/srv/./pmd", 1000));
  CHECK(holder_name("/srv/pmd", 1000) != holder_name("/srv/pmd2", 1000));
  CHECK(holder_name("/srv/pmd", 1000) != holder_name("/srv/pmd", 1001));
  CHECK(daemon_lock_name("/srv/pmd", 1000) != holder_name("/srv/pmd", 1000));
  // An upgraded pmd must find what its predecessor bound: the name is part of the format.
  CHECK(holder_name("/root/.pmd", 0) == "pmd-holder/0/" + holder_name("/root/.pmd", 0).substr(13));
  CHECK(holder_name(std::string(300, 'x'), 4294967294u).size() + 1 < sizeof(sockaddr_un{}.sun_path));
}

TEST_CASE(
    "records of handover format 1 are adopted: ids, counters, status, and an instance gone meanwhile is "
    "restarted with its exit unknown",
    "[handover]") {
  TempDir dir;
  std::filesystem::create_directories(dir.path / "logs");
  boost::asio::io_context io;
  auto ops = std::make_shared<FakeProcessOps>();
  auto sup = std::make_unique<Supervisor>(io, home_paths(dir.path), ops);

  // The first instance's process is this test's own: alive, with its real start time.
  json alive = json::parse(fixture_text("instance_alive.json"));
  alive["pid"] = ::getpid();
  alive["pgid"] = ::getpgrp();
  alive["start_ticks"] = read_proc_entry(::getpid())->start_ticks;
  std::vector<TakenRecord> records{record("daemon", fixture_text("daemon.json")),
                                   record("aapi", fixture_text("app_api.json")),
                                   record("i3", alive.dump()),
                                   record("i4", fixture_text("instance_gone.json")),
                                   record("i5", R"({"format": 2, "app": "api", "id": 99})"),
                                   record("i6", R"({"format": 1, "app": "api", "id": "seven", "number": []})"),
                                   record("i9", "not json at all")};
  const std::string summary = sup->adopt(records, "test");
  CHECK(summary == "1 app(s), 1 process(es) still running, 1 ended meanwhile");
  // The gone one's output (none came back: nothing to drain) ends, and the rules decide.
  auto restarted = [&](std::size_t launches) {
    return run_until(io, [&] {
      for (std::size_t i = 0; i < ops->timer_count(); ++i) ops->fire_timer(i);  // the restart delay
      return ops->launched().size() == launches;
    });
  };
  REQUIRE(restarted(1));

  auto first = sup->describe("7").at(0);
  CHECK(first["name"] == "api");
  CHECK(first["pid"] == ::getpid());
  CHECK(first["status"] == "online");
  CHECK(first["restarts"] == 4);
  CHECK(first["memory_restarts"] == 2);
  CHECK(first["last_exit"]["signal"] == "SIGSEGV");
  CHECK(ops->watched(::getpid()));
  // The one whose pid is gone was restarted by the rules, as after a crash nobody saw.
  auto second = sup->describe("8").at(0);
  CHECK(second["instance"] == 1);
  CHECK(second["restarts"] == 10);
  CHECK(second["last_exit"]["known"] == false);
  CHECK(second["lines_lost"] == 3);
  REQUIRE(ops->launched().size() == 1);
  CHECK(second["pid"] == ops->launched()[0]);
  // A format from the future is ignored, not guessed at, and a damaged record skipped; ids go on
  // after the adopted ones.
  CHECK(sup->list().size() == 2);
  CHECK(ops->launches() == 0);  // the fake keeps no count; the real ops continue after 41

  // An adopted process that ends is not pmd's child: its status is unknown, the rules restart it.
  ops->exit(::getpid(), policy::kUnknownWaitStatus);
  REQUIRE(restarted(2));
  CHECK(sup->describe("7").at(0)["restarts"] == 5);
  CHECK(sup->describe("7").at(0)["last_exit"]["known"] == false);
  sup.reset();
}

TEST_CASE("a signal while waiting for the holder's first line does not cut the wait short", "[handover]") {
  // pmd's loop catches SIGCHLD: the holder it replaces dying sends one just as the new one starts.
  struct sigaction caught {
  }, before{};
  caught.sa_handler = [](int) {};
  sigemptyset(&caught.sa_mask);
  caught.sa_flags = 0;  // no SA_RESTART, as a signal_set's handler may be
  REQUIRE(::sigaction(SIGUSR1, &caught, &before) == 0);
  const pthread_t waiter = ::pthread_self();
  std::atomic<bool> done{false};
  std::thread interrupter([&] {
    while (!done) {
      ::pthread_kill(waiter, SIGUSR1);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  });
  auto started = run_for_first_line("/bin/sh", {"sh", "-c", "sleep 0.3; echo ready"}, std::chrono::seconds(5));
  done = true;
  interrupter.join();
  ::sigaction(SIGUSR1, &before, nullptr);
  REQUIRE(started.pid > 0);
  ::waitpid(started.pid, nullptr, 0);
  CHECK(started.line == "ready");
}
