// A root pmd running an app as another user never lends it root's authority over paths: an app
// that plants symlinks where its logs go reaches nothing its user could not reach (a root-owned
// 0600 file stays untouched through the first open, reloadLogs, a restart and a rotation), while
// log files in root's own directories still work as they do under PM2.
#include "daemon_fixture.h"
#include "skip.h"

#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <fstream>

using namespace pmd::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A directory tree for the test: base (root, 0755) with the secret (root, 0600) and a directory
// the app's user owns.
struct Playground {
  fs::path base = make_temp_home();
  fs::path secret = base / "authorized_keys";
  fs::path user_dir = base / "user";
  fs::path root_dir = base / "root-logs";
  const std::string secret_text = "ssh-ed25519 AAAA the-real-key root@host\n";

  explicit Playground(uid_t user) {
    fs::permissions(base, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
    std::ofstream(secret) << secret_text;
    fs::permissions(secret, fs::perms::owner_read | fs::perms::owner_write);
    fs::create_directory(user_dir);
    REQUIRE(::chown(user_dir.c_str(), user, user) == 0);
    fs::create_directory(root_dir);
    fs::permissions(root_dir, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                                  fs::perms::others_read | fs::perms::others_exec);
  }
  ~Playground() {
    std::error_code ignored;
    fs::remove_all(base, ignored);
  }
  std::string secret_now() const { return read_file(secret); }
};

// Root, and a user (nobody) that can run programs here; said aloud when not.
bool can_switch_users() {
  RunOptions probe;
  probe.as_uid = other_user();
  if (::geteuid() == 0 && other_user() && run_command({"/bin/true"}, probe).exit_code == 0) return true;
  pmd::test::skip_test(::geteuid() == 0 ? pmd::test::Need::kOtherUser : pmd::test::Need::kRoot,
                       "not root, or nobody cannot reach / here: the privilege checks need both");
  return false;
}

// The last of the numbered lines an app printed lately, as pmd holds them in memory: the
// number it ends with, and the word before it (the planter prints its pid there).
struct LastLine {
  int number = -1;
  std::string before;
};

LastLine last_line(const Daemon& d, const std::string& app) {
  auto r = d.pmctl({"logs", app, "--nostream", "--lines", "1", "--json"});
  auto nl = r.out.find('\n');
  if (r.exit_code != 0 || nl == std::string::npos) return {};
  auto record = json::parse(r.out.substr(0, nl), nullptr, false);
  if (!record.is_object() || !record["text"].is_string()) return {};
  std::string text = record["text"];
  auto space = text.rfind(' ');
  if (space == std::string::npos) return {};
  auto previous = text.rfind(' ', space - 1);
  LastLine last{std::atoi(text.c_str() + space + 1), ""};
  if (previous != std::string::npos) last.before = text.substr(previous + 1, space - previous - 1);
  return last;
}

int last_line_number(const Daemon& d, const std::string& app) { return last_line(d, app).number; }

}  // namespace

TEST_CASE("an app running as another user cannot make root pmd write through its symlinks", "[privilege]") {
  if (!can_switch_users()) return;
  Playground p(*other_user());
  Daemon d;
  const fs::path log = p.user_dir / "app.log";
  // The app replaces its log file by a symlink to root's secret before it prints anything, then
  // prints numbered lines that would be appended there.
  const std::string plant =
      "rm -f '" + log.string() + "'; ln -s '" + p.secret.string() + "' '" + log.string() +
      "'; i=0; while :; do i=$((i+1)); echo \"ssh-ed25519 AAAA attacker $$ $i\"; sleep 0.05; done";
  RunOptions at_root;
  at_root.cwd = "/";
  REQUIRE(d.pmctl({"start", "/bin/sh", "--name", "planter", "--user", "nobody", "--output", log.string(), "--error",
                   (p.user_dir / "err.log").string(), "--", "-c", plant},
                  at_root)
              .exit_code == 0);
  REQUIRE(wait_until([&] { return last_line_number(d, "planter") > 3; }));
  CHECK(wait_until([&] { return d.describe("planter").dump().find("Permission denied") != std::string::npos; }));
  CHECK(p.secret_now() == p.secret_text);

  // Reopening after an external rotation opens as the app's user again.
  int before = last_line_number(d, "planter");
  REQUIRE(d.pmctl({"reloadLogs"}).exit_code == 0);
  REQUIRE(wait_until([&] { return last_line_number(d, "planter") > before + 3; }));
  CHECK(p.secret_now() == p.secret_text);

  // A restart plants the link again on a fresh process: waited for by its own lines (their pid),
  // since the old process's last lines also end in numbers above 3.
  const std::string old_pid = last_line(d, "planter").before;
  REQUIRE(d.pmctl({"restart", "planter"}).exit_code == 0);
  REQUIRE(wait_until([&] {
    auto last = last_line(d, "planter");
    return last.before != old_pid && last.number > 3;
  }));
  CHECK(p.secret_now() == p.secret_text);
  CHECK(fs::is_symlink(log));
}

TEST_CASE("rotation renames as the app's user, and root's own log directories still work", "[privilege]") {
  if (!can_switch_users()) return;
  Playground p(*other_user());
  Daemon d;
  RunOptions at_root;
  at_root.cwd = "/";
  // Rotated names planted as symlinks to the secret: rotation renames over them (a rename never
  // follows a symlink), and the rotated file that takes their place is the app's.
  const fs::path log = p.user_dir / "rot.log";
  const std::string plant = "for n in 1 2 3; do ln -s '" + p.secret.string() + "' '" + log.string() +
                            ".'$n; done; while :; do echo 0123456789012345678901234567890123456789; sleep 0.01; done";
  REQUIRE(d.pmctl({"start", "/bin/sh", "--name", "rotor", "--user", "nobody", "--output", log.string(),
                   "--log-max-size", "1K", "--log-retain", "3", "--", "-c", plant},
                  at_root)
              .exit_code == 0);
  REQUIRE(wait_until([&] { return fs::is_regular_file(fs::symlink_status(fs::path(log.string() + ".3"))); }));
  CHECK(p.secret_now() == p.secret_text);
  struct stat st {};
  REQUIRE(::stat(log.c_str(), &st) == 0);
  CHECK(st.st_uid == *other_user());  // created in the user's directory with the user's identity

  // A directory only root can write: pmd writes there itself, as PM2 would.
  const fs::path root_log = p.root_dir / "nested" / "app.log";
  REQUIRE(d.pmctl({"start", "/bin/sh", "--name", "quiet", "--user", "nobody", "--output", root_log.string(), "--", "-c",
                   "echo hello from nobody; exec sleep 60"},
                  at_root)
              .exit_code == 0);
  REQUIRE(wait_until([&] { return read_file(root_log).find("hello from nobody") != std::string::npos; }));
  REQUIRE(::stat(root_log.c_str(), &st) == 0);
  CHECK(st.st_uid == 0);
  CHECK(d.describe("quiet").dump().find("cannot open") == std::string::npos);
}
