// `pmd run` (container mode, PM2's pm2-runtime): foreground, app lines on stdout/stderr with
// prefixes, the apps' exit status as its own, a graceful stop on SIGTERM, and as PID 1 of a pid
// namespace it reaps the orphans that land on it. No socket unless a home is given.
#include "daemon_fixture.h"
#include "skip.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

using namespace pmd::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

// A process in the background with its stdout and stderr in files.
class Background {
 public:
  Background(const std::vector<std::string>& argv, const fs::path& dir, std::map<std::string, std::string> env = {})
      : out_(dir / "stdout"), err_(dir / "stderr") {
    pid_ = ::fork();
    if (pid_ == 0) {
      int out = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
      int in = ::open("/dev/null", O_RDONLY);
      ::dup2(in, 0);
      ::dup2(out, 1);
      ::dup2(err, 2);
      for (const auto& [k, v] : env) ::setenv(k.c_str(), v.c_str(), 1);
      std::vector<char*> args;
      for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
      args.push_back(nullptr);
      ::execv(args[0], args.data());
      _exit(127);
    }
  }
  ~Background() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  std::string out() const { return read_file(out_); }
  std::string err() const { return read_file(err_); }
  /// Its exit status once it exits within the deadline, else -1.
  int wait_exit(std::chrono::milliseconds deadline = 20s) {
    int status = 0;
    if (!wait_until([&] { return ::waitpid(pid_, &status, WNOHANG) == pid_; }, deadline)) return -1;
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }

 private:
  fs::path out_, err_;
  pid_t pid_ = -1;
};

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
}

std::string pmd_path() { return (bin_dir() / "pmd").string(); }

// The pid a process has inside its own pid namespace (the last field of NSpid).
std::string pid_in_namespace(pid_t pid) {
  std::istringstream status(read_file("/proc/" + std::to_string(pid) + "/status"));
  for (std::string line; std::getline(status, line);)
    if (line.rfind("NSpid:", 0) == 0) return line.substr(line.find_last_of(" \t") + 1);
  return "";
}

}  // namespace

TEST_CASE("pmd run prints each app's lines with its prefix and exits with the apps' status", "[container]") {
  const fs::path dir = make_temp_home();
  write_text(
      dir / "job.json",
      json{{"apps",
            {{{"name", "job"}, {"script", fixture("exit_with.sh").string()}, {"args", {"3"}}, {"autorestart", false}}}}}
          .dump());
  auto r = run_command({pmd_path(), "run", (dir / "job.json").string()});
  CHECK(r.exit_code == 3);
  CHECK(r.out.find("job-0 | exiting with 3\n") != std::string::npos);
  CHECK(r.err.find("every app has exited; pmd exits with status 3") != std::string::npos);

  // The same app succeeding: status 0; --raw drops the prefix; no files left in /tmp.
  write_text(dir / "ok.json", json{{"apps",
                                    {{{"name", "ok"},
                                      {"script", fixture("exit_with.sh").string()},
                                      {"args", {"0"}},
                                      {"autorestart", false},
                                      {"instances", 2}}}}}
                                  .dump());
  auto ok = run_command({pmd_path(), "run", "start", (dir / "ok.json").string(), "--raw"});  // pm2-runtime's spelling
  CHECK(ok.exit_code == 0);
  CHECK(ok.out == "exiting with 0\nexiting with 0\n");
  fs::remove_all(dir);
}

TEST_CASE("pmd run of a script with -i runs that many instances — bad input starts nothing", "[container]") {
  const fs::path dir = make_temp_home();
  Background run({pmd_path(), "run", fixture("hello.js").string(), "-i", "2", "--name", "web"}, dir);
  REQUIRE(wait_until([&] {
    auto out = run.out();
    return out.find("web-0 | {") != std::string::npos && out.find("web-1 | {") != std::string::npos;
  }));
  ::kill(run.pid(), SIGTERM);
  CHECK(run.wait_exit() == 0);
  INFO("stdout:\n" << run.out() << "stderr:\n" << run.err());
  CHECK(run.out().find("web-0 | graceful shutdown") != std::string::npos);
  CHECK(run.out().find("web-1 | graceful shutdown") != std::string::npos);

  // Its private home lives in TMPDIR and goes however pmd ends, errors included.
  RunOptions tmp;
  tmp.env["TMPDIR"] = (dir / "tmp").string();
  fs::create_directories(dir / "tmp");
  auto missing = run_command({pmd_path(), "run", (dir / "nope.js").string()}, tmp);
  CHECK(missing.exit_code == 1);
  CHECK(missing.err.find("nope.js") != std::string::npos);
  CHECK(missing.err.find("nothing was started") != std::string::npos);
  tmp.env["PMD_SAMPLE_INTERVAL"] = "often";
  auto bad_flag = run_command({pmd_path(), "run", fixture("hello.js").string()}, tmp);
  CHECK(bad_flag.exit_code == 2);
  CHECK(fs::is_empty(dir / "tmp"));
  write_text(dir / "broken.json",
             R"({"apps": [{"name": "a", "script": ")" + fixture("hello.js").string() + R"(", "instances": "lots"}]})");
  auto broken = run_command({pmd_path(), "run", (dir / "broken.json").string()});
  CHECK(broken.exit_code == 1);
  CHECK(broken.err.find("instances") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("as PID 1, pmd run reaps adopted orphans and stops the apps gracefully on SIGTERM", "[container]") {
  const fs::path dir = make_temp_home();
  // Ten orphans that exit soon after their parent: they land on PID 1, which must reap them.
  // The script says "orphans made" only once they have exited, so no zombie means reaped.
  write_text(dir / "orphans.sh",
             "#!/bin/sh\nfor i in 1 2 3 4 5 6 7 8 9 10; do sh -c 'sleep 0.05 &'; done\n"
             "sleep 0.3  # the orphans have exited by now: reaped, or zombies\necho orphans made\nexec sleep 1000\n");
  fs::permissions(dir / "orphans.sh", fs::perms::owner_all);
  write_text(dir / "apps.json", json{{"apps",
                                      {{{"name", "web"}, {"script", fixture("hello.js").string()}},
                                       {{"name", "orphans"}, {"script", (dir / "orphans.sh").string()}}}}}
                                    .dump());
  // A new pid namespace with its own /proc; inside a chroot, / is no mount point and its
  // propagation cannot be changed, so leave it as it is there.
  std::vector<std::string> unshare = {"/usr/bin/unshare", "--pid", "--fork", "--mount-proc"};
  std::string why;
  for (bool keep_propagation : {false, true}) {
    auto argv = unshare;
    if (keep_propagation) argv.push_back("--propagation=unchanged");
    argv.push_back("/bin/true");
    auto probe = run_command(argv);
    if (probe.exit_code == 0) {
      if (keep_propagation) unshare.push_back("--propagation=unchanged");
      why.clear();
      break;
    }
    why = probe.err;
  }
  if (!why.empty()) {
    fs::remove_all(dir);
    PMD_SKIP(pmd::test::Need::kPidNamespace, "cannot make a pid namespace here (" + why + ")");
  }
  unshare.insert(unshare.end(), {pmd_path(), "run", (dir / "apps.json").string()});
  Background box(unshare, dir);
  REQUIRE(wait_until([&] { return box.out().find("orphans-1 | orphans made") != std::string::npos; }));
  REQUIRE(wait_until([&] { return box.out().find("web-0 | {") != std::string::npos; }));
  pid_t init = -1;
  for (pid_t p : pids_with_cmdline({pmd_path(), "run", (dir / "apps.json").string()}))
    if (p != box.pid()) init = p;
  REQUIRE(init > 0);
  CHECK(pid_in_namespace(init) == "1");
  CHECK(wait_until([&] { return zombie_children_of(init).empty(); }, 5s));

  ::kill(init, SIGTERM);
  CHECK(box.wait_exit() == 0);
  CHECK(box.out().find("web-0 | graceful shutdown") != std::string::npos);
  CHECK(pids_with_cmdline({(dir / "orphans.sh").string()}).empty());
  fs::remove_all(dir);
}

TEST_CASE("pmd run with a PMD_HOME also serves pmctl — stopping every app ends it", "[container]") {
  const fs::path dir = make_temp_home();
  const fs::path home = dir / "home";
  Background run({pmd_path(), "run", fixture("hello.js").string(), "--name", "api"}, dir,
                 {{"PMD_HOME", home.string()}});
  RunOptions o;
  o.env["PMD_HOME"] = home.string();
  const std::string pmctl = (bin_dir() / "pmctl").string();
  // pmctl starts a daemon when none answers: one run before `pmd run` has its socket would start
  // its own and leave `pmd run` refused (one daemon per home).
  REQUIRE(wait_until([&] { return fs::exists(home / "pmd.sock"); }, 60s));
  REQUIRE(wait_until(
      [&] {
        auto r = run_command({pmctl, "list", "--json"}, o);
        return r.exit_code == 0 && r.out.find("\"online\"") != std::string::npos;
      },
      60s));  // Node under an ASan pmd on a busy 2-core machine can take more than 15 s
  CHECK(run_command({pmctl, "stop", "api"}, o).exit_code == 0);
  CHECK(run.wait_exit() == 0);
  CHECK(run.err().find("every app has exited") != std::string::npos);
  fs::remove_all(dir);
}

TEST_CASE("pmctl start --no-daemon runs in the foreground as pmd run does, with every start flag", "[container][pm2]") {
  const std::string pmctl = (bin_dir() / "pmctl").string();
  auto r = run_command({pmctl, "start", fixture("exit_with.sh").string(), "--name", "job", "--no-autorestart",
                        "--no-daemon", "--env-var", "GREETING=hi", "--", "3"});
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.out, Catch::Contains("job-0 | exiting with 3\n"));
  CHECK_THAT(r.err, Catch::Contains("every app has exited; pmd exits with status 3"));
  auto bad = run_command({pmctl, "start", "/nonexistent/app.js", "--no-daemon"});
  CHECK(bad.exit_code == 1);
  CHECK_THAT(bad.err, Catch::Contains("script not found"));
}
