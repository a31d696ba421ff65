// How the daemon's loop paces itself and is told about changes instead of asking: the paced
// timer (fast while needed, slow at rest, hurried on demand), the directory watch on the home,
// and the watch on the fd holder's socket.
#include "loop/directory_watch.h"
#include "loop/paced_timer.h"
#include "loop/readable_watch.h"

#include "temp_dir.h"

#include <catch2/catch.hpp>

#include <boost/asio/io_context.hpp>

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <functional>

using namespace std::chrono_literals;

namespace {

// Runs the loop until `done` holds or the deadline passes; returns `done()`.
bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds deadline = 5s) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.run_one_for(10ms);
    if (io.stopped()) io.restart();
  }
  return done();
}

}  // namespace

TEST_CASE("a paced timer runs at once, then after the delay its job chose, sooner when hurried", "[loop]") {
  boost::asio::io_context io;
  int runs = 0;
  std::chrono::milliseconds next = 1h;
  pmd::PacedTimer timer(io, 20ms, [&] {
    ++runs;
    return next;
  });
  timer.start();
  REQUIRE(run_until(io, [&] { return runs == 1; }));
  CHECK(timer.pace() == 1h);
  // An hour away: nothing runs meanwhile.
  io.run_for(100ms);
  CHECK(runs == 1);
  // Hurried: within one interval.
  timer.hurry();
  REQUIRE(run_until(io, [&] { return runs == 2; }));
  // A job asking for less than the interval gets the interval (no busy loop).
  next = 0ms;
  timer.hurry();
  REQUIRE(run_until(io, [&] { return runs == 3; }));
  CHECK(timer.pace() == 20ms);
  const auto before = std::chrono::steady_clock::now();
  REQUIRE(run_until(io, [&] { return runs == 8; }));
  CHECK(std::chrono::steady_clock::now() - before >= 5 * 20ms - 5ms);
  // Hurrying a timer already due within the interval changes nothing (it never postpones).
  next = 1h;
  REQUIRE(run_until(io, [&] { return runs == 9; }));
  timer.hurry();
  timer.hurry();
  REQUIRE(run_until(io, [&] { return runs == 10; }));
  io.run_for(100ms);
  CHECK(runs == 10);
}

TEST_CASE("a directory watch tells of entries created, deleted or renamed, and of the directory going", "[loop]") {
  pmd::test::TempDir dir;
  const auto home = dir.path / "home";
  std::filesystem::create_directory(home);
  boost::asio::io_context io;
  int changes = 0;
  pmd::DirectoryWatch watch(io, home, [&] { ++changes; });
  REQUIRE(watch.active());
  std::ofstream(home / "pmd.sock") << "";
  REQUIRE(run_until(io, [&] { return changes >= 1; }));
  const int after_create = changes;
  std::filesystem::rename(home / "pmd.sock", home / "moved");
  REQUIRE(run_until(io, [&] { return changes > after_create; }));
  const int after_rename = changes;
  std::filesystem::remove(home / "moved");
  REQUIRE(run_until(io, [&] { return changes > after_rename; }));
  // The home deleted: told, and the watch has ended.
  std::filesystem::remove(home);
  REQUIRE(run_until(io, [&] { return !watch.active(); }));
  // Made again and renewed: told again.
  std::filesystem::create_directory(home);
  watch.renew();
  REQUIRE(watch.active());
  const int before = changes;
  std::ofstream(home / "pmd.sock") << "";
  REQUIRE(run_until(io, [&] { return changes > before; }));
}

TEST_CASE("a directory watch on a directory that does not exist is inactive until renewed", "[loop]") {
  pmd::test::TempDir dir;
  boost::asio::io_context io;
  pmd::DirectoryWatch watch(io, dir.path / "not-yet", [] {});
  CHECK_FALSE(watch.active());
  watch.renew();
  CHECK_FALSE(watch.active());
  std::filesystem::create_directory(dir.path / "not-yet");
  watch.renew();
  CHECK(watch.active());
}

TEST_CASE("a readable watch tells once its socket's peer hangs up, and not after it is destroyed", "[loop]") {
  boost::asio::io_context io;
  int pair[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == 0);
  int told = 0;
  auto watch = std::make_unique<pmd::ReadableWatch>(io, pair[0], [&] { ++told; });
  REQUIRE(watch->active());
  io.run_for(50ms);
  CHECK(told == 0);
  ::close(pair[1]);
  REQUIRE(run_until(io, [&] { return told == 1; }));
  // The caller's descriptor is still its own.
  CHECK(::fcntl(pair[0], F_GETFD) >= 0);

  int other[2];
  REQUIRE(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, other) == 0);
  int told_destroyed = 0;
  watch = std::make_unique<pmd::ReadableWatch>(io, other[0], [&] { ++told_destroyed; });
  watch.reset();
  ::close(other[1]);
  io.run_for(50ms);
  CHECK(told_destroyed == 0);
  ::close(other[0]);
  ::close(pair[0]);
}
