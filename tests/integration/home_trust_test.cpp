// pmctl tells nothing to a daemon it cannot trust: a PMD_HOME planted by another user (their
// directory, or their symlink), or a socket whose server runs as another user. Before, root's
// `pmctl start` sent such a fake daemon root's whole environment, secrets included.
#include "daemon_fixture.h"
#include "skip.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>

using namespace pmd::test;
namespace fs = std::filesystem;

namespace {

// A fake daemon: binds `socket` as the caller, then runs as `uid` (SO_PEERCRED reports the
// credentials of listen()), accepts one client and reports how many bytes it sent.
class FakeDaemon {
 public:
  FakeDaemon(const fs::path& socket, uid_t uid) {
    int report[2], done[2];
    // O_CLOEXEC: a pmctl (or a pmd it starts) must not hold the test's ends open.
    REQUIRE(::pipe2(report, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(done, O_CLOEXEC) == 0);
    int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
    REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    ::chmod(socket.c_str(), 0777);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::close(report[0]);
      ::close(done[1]);
      if (::setgid(uid) != 0 || ::setuid(uid) != 0 || ::listen(fd, 4) != 0) ::_exit(2);
      // Listening: until now a client would be refused and would start a real pmd instead.
      if (::write(report[1], "L", 1) != 1) ::_exit(2);
      // Until the test says its client is done (a client that connected is in the backlog by
      // then), or 10 s at most.
      pollfd p[2] = {{fd, POLLIN, 0}, {done[0], POLLIN, 0}};
      ::poll(p, 2, 10'000);
      long received = 0;
      if (::poll(p, 1, 0) == 1) {
        int client = ::accept(fd, nullptr, nullptr);
        timeval tv{1, 0};
        ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        char buf[4096];
        for (ssize_t n; (n = ::read(client, buf, sizeof buf)) > 0;) received += n;
      }
      ::dprintf(report[1], "%ld\n", received);
      ::_exit(0);
    }
    ::close(fd);
    ::close(report[1]);
    ::close(done[0]);
    report_fd_ = report[0];
    done_fd_ = done[1];
    char listening = 0;
    REQUIRE(::read(report_fd_, &listening, 1) == 1);
    REQUIRE(listening == 'L');
  }
  ~FakeDaemon() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(report_fd_);
    ::close(done_fd_);
  }
  /// Bytes the client sent, once the fake has given up waiting for more.
  long bytes_received() {
    ::close(done_fd_);
    done_fd_ = -1;
    char buf[64] = {};
    ssize_t n = ::read(report_fd_, buf, sizeof buf - 1);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    return n > 0 ? std::atol(buf) : -1;
  }

 private:
  pid_t pid_ = -1;
  int report_fd_ = -1;
  int done_fd_ = -1;
};

RunResult pmctl_with_secret(const fs::path& home, std::vector<std::string> args) {
  args.insert(args.begin(), (bin_dir() / "pmctl").string());
  RunOptions o;
  o.env = {{"PMD_HOME", home.string()}, {"DATABASE_PASSWORD", "hunter2"}};
  o.cwd = "/";
  return run_command(args, o);
}

}  // namespace

TEST_CASE("a PMD_HOME owned by another user, or their symlink, is refused before connecting", "[trust]") {
  auto nobody = other_user();
  if (!nobody) PMD_SKIP(pmd::test::Need::kRoot, "not root: cannot plant a home as another user here");
  const fs::path base = make_temp_home();
  ::chmod(base.c_str(), 0755);

  const fs::path planted = base / "planted";
  fs::create_directory(planted);
  ::chmod(planted.c_str(), 0700);
  REQUIRE(::chown(planted.c_str(), *nobody, *nobody) == 0);
  {
    FakeDaemon fake(planted / "pmd.sock", *nobody);
    auto r = pmctl_with_secret(planted, {"start", "/bin/sleep", "--", "60"});
    CHECK(r.exit_code != 0);
    CHECK_THAT(r.err, Catch::Contains("belongs to uid " + std::to_string(*nobody)) && Catch::Contains("refusing"));
    CHECK(fake.bytes_received() == 0);
  }

  // A symlink owned by another user, pointing at a directory that looks fine.
  const fs::path mine = base / "mine";
  fs::create_directory(mine);
  ::chmod(mine.c_str(), 0700);
  const fs::path link = base / "link";
  fs::create_directory_symlink(mine, link);
  REQUIRE(::lchown(link.c_str(), *nobody, *nobody) == 0);
  auto r = pmctl_with_secret(link, {"list"});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("is a symlink owned by uid " + std::to_string(*nobody)));
  // pmd itself refuses such a home too.
  auto daemon = run_command({(bin_dir() / "pmd").string(), "--no-daemon", "--home", link.string()});
  CHECK(daemon.exit_code != 0);
  CHECK_THAT(daemon.err, Catch::Contains("is a symlink owned by uid"));
  CHECK_FALSE(fs::exists(mine / "pmd.sock"));
  fs::remove_all(base);
}

TEST_CASE("a socket served by another user is refused by its peer uid before anything is sent", "[trust]") {
  auto nobody = other_user();
  if (!nobody) PMD_SKIP(pmd::test::Need::kRoot, "not root: cannot serve a socket as another user here");
  // The home itself is root's and private: only the process behind the socket is foreign.
  const fs::path home = make_temp_home();
  FakeDaemon fake(home / "pmd.sock", *nobody);
  auto r = pmctl_with_secret(home, {"start", "/bin/sleep", "--", "60"});
  CHECK(r.exit_code != 0);
  CHECK_THAT(r.err, Catch::Contains("runs as uid " + std::to_string(*nobody)) &&
                        Catch::Contains("refusing to send it anything"));
  CHECK(fake.bytes_received() == 0);
  fs::remove_all(home);
}
