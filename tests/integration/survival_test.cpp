// pmd dies, is killed, upgraded or loses its home, and the apps do not notice: they keep serving
// and logging, and the next pmd (started by pmctl, or again as systemd's Restart= would) adopts
// them with the same ids, pids and counters. Under load, with every log line accounted for.
#include "daemon_fixture.h"
#include "http_client.h"
#include "process_utils.h"
#include "skip.h"

#include <catch2/catch.hpp>

#include "handover/output_board.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>

using namespace pmd::test;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

struct Seen {
  std::map<std::string, int> pid;  // "name#number" -> pid
  std::map<std::string, int> id;
  std::map<std::string, int> restarts;
};

Seen seen(const Daemon& d) {
  Seen s;
  for (const auto& v : d.list()) {
    const std::string key = v["name"].get<std::string>() + "#" + std::to_string(v.value("instance", 0));
    s.pid[key] = v.value("pid", 0);
    s.id[key] = v.value("id", -1);
    s.restarts[key] = v.value("restarts", 0);
  }
  return s;
}

constexpr const char* kInDoubt = "may be lost: pmd was killed while it was reading it";

int lines_containing(const fs::path& file, const std::string& text) {
  std::ifstream in(file);
  int n = 0;
  for (std::string line; std::getline(in, line);) n += line.find(text) != std::string::npos;
  return n;
}

// The numbered lines ("line N", or "N" with an empty prefix) of app `name`'s out log: every N
// from the first to the last, each once, each whole. A gap only where pmd said output was or may
// be lost (a note in the err log): the holder dropped lines beyond its bound, or pmd was killed
// between taking output from the pipe and writing it. Returns the last N.
// `stopped`: the app was stopped (SIGTERM) while writing, so its last line may end where it died.
int check_numbered_log(const Daemon& d, const std::string& name = "lines", const std::string& prefix = "line ",
                       bool stopped = false) {
  std::ifstream in(d.home() / "logs" / (name + "-out.log"));
  long last = 0;
  int gaps = 0;
  std::vector<std::string> odd;
  std::string line, next;
  for (bool have = static_cast<bool>(std::getline(in, line)); have; line.swap(next)) {
    have = static_cast<bool>(std::getline(in, next));
    if (stopped && !have && (prefix + std::to_string(last + 1)).rfind(line, 0) == 0) break;
    const bool numbered = line.size() > prefix.size() && line.size() < prefix.size() + 12 &&
                          line.rfind(prefix, 0) == 0 &&
                          line.find_first_not_of("0123456789", prefix.size()) == std::string::npos;
    if (!numbered) {
      odd.push_back(line);
      continue;
    }
    const long n = std::stol(line.substr(prefix.size()));
    if (last != 0 && n > last + 1)
      ++gaps;
    else if (last != 0 && n != last + 1)
      odd.push_back("after line " + std::to_string(last) + ": " + line);
    last = n;
  }
  INFO(odd.size() << " unexpected line(s), the first: " << (odd.empty() ? "" : odd.front()));
  CHECK(odd.empty());
  const fs::path err = d.home() / "logs" / (name + "-error.log");
  const int announced = lines_containing(err, kInDoubt) + lines_containing(err, "lost while no pmd was reading");
  CHECK(gaps <= announced);
  return static_cast<int>(last);
}

// The err log: slow lines only, each whole (its start and end came 400 ms apart), and pmd's notes
// of output in doubt. Returns how many slow lines.
int check_slow_lines(const fs::path& file) {
  std::ifstream in(file);
  int whole = 0;
  std::vector<std::string> odd;
  for (std::string line; std::getline(in, line);) {
    if (line == "slow line begins-and ends")
      ++whole;
    else if (line.find(kInDoubt) == std::string::npos)
      odd.push_back(line);
  }
  INFO(odd.size() << " torn or unexpected line(s), the first: " << (odd.empty() ? "" : odd.front()));
  CHECK(odd.empty());
  return whole;
}

int online(const Daemon& d, const std::string& name) {
  int n = 0;
  for (const auto& v : d.list()) n += v["name"] == name && v["status"] == "online";
  return n;
}

void start_apps(Daemon& d, int port) {
  REQUIRE(d.pmctl({"start", fixture("numbered_lines.js").string(), "--name", "lines"}).exit_code == 0);
  auto web =
      d.pmctl({"start", fixture("http_server.js").string(), "--name", "web", "-i", "2", "--port", std::to_string(port),
               // A loaded 2-core machine can take more than the default 3 s to start Node: a reload
               // would rightly abort, and this test is about the upgrades.
               "--listen-timeout", "30s"});
  INFO(web.out << web.err);
  REQUIRE(web.exit_code == 0);
  REQUIRE(online(d, "web") == 2);
}

// Processes running `script` that belong to this test's home (other tests run the same fixtures).
int processes_of(const Daemon& d, const std::string& script) {
  int n = 0;
  for (pid_t pid : pids_with_cmdline({fixture(script).string()})) {
    std::string environ = read_file("/proc/" + std::to_string(pid) + "/environ");
    n += environ.find(std::string("PMD_HOME=") + d.home().string() + '\0') != std::string::npos;
  }
  return n;
}

void let_load_run(const HttpLoad& load, std::uint64_t more) {
  const auto target = load.snapshot().ok + more;
  REQUIRE(wait_until([&] { return load.snapshot().ok >= target; }));
}

// A daemon serving the two apps (start_apps), under load for a while; `before` is what it listed then.
struct Serving {
  Serving() {
    start_apps(d, port);
    load = std::make_unique<HttpLoad>(port, 4);  // only once something listens
    let_load_run(*load, 200);
    before = seen(d);
  }
  Daemon d;
  const int port = free_port();
  std::unique_ptr<HttpLoad> load;
  Seen before;
};

}  // namespace

TEST_CASE("pmd killed with SIGKILL or crashing: apps keep serving and logging, the next pmd adopts them as they were",
          "[survival]") {
  Serving s;
  auto& d = s.d;
  auto& load = *s.load;
  const Seen& before = s.before;
  REQUIRE(wait_until([&] { return check_numbered_log(d) > 200; }));

  for (int signo : {SIGKILL, SIGABRT}) {
    INFO("pmd ended by signal " << signo);
    d.crash(signo);
    // Nobody supervises now: the apps still serve (and write into pipes the holder keeps).
    let_load_run(load, 200);
    for (const auto& [key, pid] : before.pid) CHECK(process_alive(pid));
    // The next command starts a daemon, which adopts everything at once (how long that takes is
    // measured by bench/survive.sh, not asserted here: a loaded test machine is no measure).
    Seen after = seen(d);
    CHECK(after.pid == before.pid);
    CHECK(after.id == before.id);
    CHECK(after.restarts == before.restarts);
    CHECK(online(d, "web") == 2);
    auto version = d.pmctl({"version"});
    CHECK_THAT(version.out, Catch::Contains("it adopted at start 2 app(s), 3 process(es) still running (restart after "
                                            "the previous pmd ended)"));
  }
  auto report = load.stop();
  INFO(d.log_tail());
  CHECK(report.failed == 0);
  CHECK(report.ok > 600);

  // Not one line lost, doubled or torn across two deaths of pmd.
  const int last = check_numbered_log(d);
  REQUIRE(wait_until([&] { return check_numbered_log(d) > last + 100; }));
  CHECK(wait_until([&] { return check_slow_lines(d.home() / "logs" / "lines-error.log") > 2; }));

  // Supervision goes on: an adopted app that dies is restarted by the rules; how it ended cannot
  // be known (it is no child of this pmd), and describe says so.
  const int lines_pid = before.pid.at("lines#0");
  ::kill(lines_pid, SIGKILL);
  REQUIRE(wait_until([&] {
    auto v = d.instance("lines");
    return v["status"] == "online" && v.value("pid", 0) != lines_pid;
  }));
  CHECK(d.instance("lines").value("restarts", 0) == before.restarts.at("lines#0") + 1);
  auto described = d.describe("lines");
  CHECK(described["last_exit"]["known"] == false);

  // resurrect never starts an app that already runs.
  REQUIRE(d.pmctl({"save"}).exit_code == 0);
  d.crash(SIGKILL);
  auto resurrect = d.pmctl({"resurrect"});
  INFO(resurrect.out << resurrect.err);
  CHECK(resurrect.exit_code == 0);
  CHECK(d.list().size() == 3);
  CHECK(processes_of(d, "http_server.js") == 2);
  CHECK(processes_of(d, "numbered_lines.js") == 1);
}

TEST_CASE(
    "pmd killed again and again while a program floods its output in blocks never tears a line, and says what "
    "it may have lost",
    "[survival]") {
  Daemon d;
  // seq: a real program with full stdio buffering, writing 4 KiB blocks cut anywhere, as fast as
  // pmd reads them. pmd is reading nearly all the time: most kills land between taking a block
  // from the pipe and writing its lines.
  REQUIRE(d.pmctl({"start", "seq", "--name", "flood", "--", "1", "1000000000"}).exit_code == 0);
  const int pid = d.instance("flood").value("pid", 0);
  const fs::path out = d.home() / "logs" / "flood-out.log";
  auto size = [&] { return fs::exists(out) ? fs::file_size(out) : 0; };
  for (int kill = 0; kill < 8; ++kill) {
    INFO("kill " << kill);
    const auto before = size();
    REQUIRE(wait_until([&] { return size() > before + 100000; }));
    d.crash(SIGKILL);
    REQUIRE(d.instance("flood").value("pid", 0) == pid);  // adopted by the next pmd
  }
  const auto before = size();
  REQUIRE(wait_until([&] { return size() > before + 100000; }));
  REQUIRE(d.pmctl({"stop", "flood"}).exit_code == 0);
  CHECK(check_numbered_log(d, "flood", "", true) > 100000);
  CHECK(d.instance("flood").value("restarts", -1) == 0);
}

namespace {

// The output board of `home`'s fd holder, opened again through /proc (a memfd can be), or nullptr.
std::unique_ptr<pmd::handover::OutputBoard> holders_board(pid_t holder) {
  const fs::path fds = "/proc/" + std::to_string(holder) + "/fd";
  for (const auto& entry : fs::directory_iterator(fds)) {
    std::error_code ec;
    if (fs::read_symlink(entry.path(), ec).string().rfind("/memfd:pmd-output-board", 0) != 0) continue;
    std::string error;
    return pmd::handover::OutputBoard::adopt(::open(entry.path().c_str(), O_RDWR | O_CLOEXEC), error);
  }
  return nullptr;
}

}  // namespace

TEST_CASE("a log write torn by a kill of pmd is cut back to its last whole line before the next pmd appends",
          "[survival]") {
  // A kill lands inside a write only now and then (the flood test above sees it at random); here
  // the state such a kill leaves is made on purpose: the board says a write was under way, and
  // the file ends in the part of a line that write got out.
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("numbered_lines.js").string(), "--name", "lines"}).exit_code == 0);
  REQUIRE(wait_until([&] { return check_numbered_log(d) > 100; }));
  d.crash(SIGKILL);
  const fs::path out = d.home() / "logs" / "lines-out.log";
  const auto offset = fs::file_size(out);
  std::ofstream(out, std::ios::app) << "line 1\nline 2\nline 99999";  // an old line would be "odd" too
  struct stat st {};
  REQUIRE(::stat(out.c_str(), &st) == 0);
  {
    auto board = holders_board(d.holder_pid());
    REQUIRE(board);
    board->begin(out.string(), st.st_dev, st.st_ino, offset, 65536);
  }
  REQUIRE(d.instance("lines").value("restarts", -1) == 0);  // the next pmd adopted it
  CHECK_THAT(read_file(d.home() / "pmd.log"),
             Catch::Contains("cut 10 byte(s) of a line the previous pmd was writing when it was killed"));
  // The cut left "line 1", "line 2": out of order, but whole; every line after them is whole.
  REQUIRE(wait_until([&] {
    std::ifstream in(out);
    in.seekg(static_cast<std::streamoff>(offset));
    std::string line;
    int whole = 0;
    while (std::getline(in, line)) whole += line.rfind("line ", 0) == 0 && line.size() < 14;
    return whole > 100;
  }));
  std::ifstream in(out);
  in.seekg(static_cast<std::streamoff>(offset));
  std::string line;
  std::vector<std::string> odd;
  while (std::getline(in, line))
    if (line.rfind("line ", 0) != 0 || line.size() >= 14 || line.find("99999line") != std::string::npos)
      odd.push_back(line);
  INFO("first odd line: " << (odd.empty() ? "" : odd.front()));
  CHECK(odd.empty());
}

TEST_CASE("a killed fd holder is replaced at once, and the apps still survive a kill of pmd", "[survival]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("numbered_lines.js").string(), "--name", "lines"}).exit_code == 0);
  const int app = d.instance("lines").value("pid", 0);
  const pid_t first = d.holder_pid();
  REQUIRE(first > 0);
  ::kill(first, SIGKILL);
  REQUIRE(wait_until([&] { return d.holder_pid() > 0 && d.holder_pid() != first; }, 5s));
  const pid_t second = d.holder_pid();
  // Once it has everything (a pmd killed in the holder's first milliseconds would leave it empty).
  REQUIRE(wait_until([&] {
    return d.log_tail().find("started a new fd holder (pid " + std::to_string(second) + ") and handed it every app") !=
           std::string::npos;
  }));
  d.crash(SIGKILL);
  CHECK(d.instance("lines").value("pid", 0) == app);
  CHECK(d.instance("lines").value("restarts", -1) == 0);
}

TEST_CASE("output written while no pmd reads is kept up to a bound, whole lines only, and what was dropped is counted",
          "[survival]") {
  Daemon d;
  const fs::path done = d.home() / "burst.done";
  RunOptions o;
  o.env["BURST_LINES"] = "60000";  // about 600 KiB: more than the holder keeps per pipe (256 KiB)
  o.env["BURST_DONE"] = done.string();
  o.env["QUIET"] = "1";  // only the burst: every line of it is either kept or counted lost
  REQUIRE(d.pmctl({"start", fixture("numbered_lines.js").string(), "--name", "lines"}, o).exit_code == 0);
  const int pid = d.instance("lines").value("pid", 0);
  REQUIRE(wait_until([&] { return read_file(d.home() / "logs" / "lines-out.log") == "ready\n"; }));
  d.crash(SIGKILL);
  ::kill(pid, SIGUSR2);
  // The app is never blocked by the full pipe: it finishes its burst with nobody but the holder reading.
  REQUIRE(wait_until([&] { return fs::exists(done); }));
  REQUIRE(d.instance("lines").value("pid", 0) == pid);
  auto v = d.describe("lines");
  const std::uint64_t lost = v.value("lines_lost", std::uint64_t{0});
  CHECK(lost > 0);
  // Kept: "burst 1" to "burst K", in order, whole; then lines lost, counted exactly.
  std::ifstream in(d.home() / "logs" / "lines-out.log");
  int kept = 0;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("burst ", 0) != 0) continue;
    CHECK(line == "burst " + std::to_string(kept + 1));
    ++kept;
  }
  CHECK(kept > 1000);
  CHECK(kept + lost == 60000);
  CHECK_THAT(read_file(d.home() / "logs" / "lines-error.log"),
             Catch::Contains("[pmd] " + std::to_string(lost) + " line(s) of stdout lost while no pmd was reading"));
}

TEST_CASE("pmctl update upgrades pmd in place under load: same pids, nothing restarted, no line lost or torn",
          "[survival]") {
  Serving s;
  auto& d = s.d;
  auto& load = *s.load;
  const Seen& before = s.before;
  const auto daemon_pid = d.pid();
  const fs::path slow_lines = d.home() / "logs" / "lines-error.log";
  // Five upgrades, each after another slow line ended: most of the time a slow line is half
  // written, so some upgrade comes in the middle of one and must hand its start over.
  for (int i = 0; i < 5; ++i) {
    const int whole = check_slow_lines(slow_lines);
    REQUIRE(wait_until([&] { return check_slow_lines(slow_lines) > whole; }));
    auto update = d.pmctl({"update"});
    INFO(update.out << update.err << d.log_tail());
    REQUIRE(update.exit_code == 0);
    CHECK_THAT(update.out, Catch::Contains("in place (pid " + std::to_string(daemon_pid) + ")"));
    CHECK_THAT(update.out, Catch::Contains("adopted 2 app(s), 3 process(es) still running"));
    Seen after = seen(d);
    CHECK(after.pid == before.pid);
    CHECK(after.restarts == before.restarts);
    let_load_run(load, 200);
  }
  // Still supervised, by the same process: a reload works, and the apps are its children.
  auto reload = d.pmctl({"reload", "web"});
  INFO(reload.out << reload.err << d.log_tail());
  CHECK(reload.exit_code == 0);
  const Seen reloaded = seen(d);
  auto report = load.stop();
  INFO(d.log_tail());
  CHECK(report.failed == 0);
  const int last = check_numbered_log(d);
  REQUIRE(wait_until([&] { return check_numbered_log(d) > last + 100; }));
  CHECK(check_slow_lines(slow_lines) >= 5);

  // A binary that cannot take over changes nothing.
  RunOptions broken;
  broken.env["PMD_BIN"] = "/bin/true";
  auto refused = d.pmctl({"update"}, broken);
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.err, Catch::Contains("does not answer --handover-format"));
  CHECK(seen(d).pid == reloaded.pid);
  CHECK(d.pmctl({"ping"}).exit_code == 0);

  // pmd --upgrade (SIGUSR2) does the same as pmctl update.
  auto takeovers = [&] {
    const std::string log = read_file(d.home() / "pmd.stderr");
    int n = 0;
    for (auto at = log.find("took over from"); at != std::string::npos; at = log.find("took over from", at + 1)) ++n;
    return n;
  };
  const int so_far = takeovers();
  CHECK(so_far == 5);
  auto upgrade = run_command({(bin_dir() / "pmd").string(), "--upgrade", "--home", d.home().string()});
  CHECK(upgrade.exit_code == 0);
  REQUIRE(wait_until([&] { return takeovers() == so_far + 1; }));
  CHECK(seen(d).pid == reloaded.pid);
  CHECK(d.terminate() == 0);  // the fixture's own pmd process, upgraded three times, stops cleanly
}

TEST_CASE("a deleted home is made again by the same daemon, and no second daemon can start for it", "[survival]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", "sleep", "--name", "kept", "--", "1000"}).exit_code == 0);
  fs::remove_all(d.home());
  REQUIRE(wait_until([&] { return fs::exists(d.home() / "pmd.sock"); }, 5s));
  auto ping = d.pmctl({"ping"});
  INFO(ping.out << ping.err);
  CHECK_THAT(ping.out, Catch::Contains("pid " + std::to_string(d.pid()) + ")"));
  CHECK(d.instance("kept")["status"] == "online");
  // A second pmd for this home refuses, even while the home's files are gone.
  fs::remove(d.home() / "pmd.lock");
  auto second = run_command({(bin_dir() / "pmd").string(), "--home", d.home().string(), "--no-daemon"});
  CHECK(second.exit_code == 3);
  CHECK_THAT(second.err, Catch::Contains("already running"));
}

TEST_CASE("pmd lowers its own oom_score_adj where permitted, and its apps keep the default", "[survival]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", "sleep", "--name", "app", "--", "1000"}).exit_code == 0);
  auto score_of = [](const std::string& pid) { return std::stoi(read_file("/proc/" + pid + "/oom_score_adj")); };
  const int own = score_of("self");
  CHECK(score_of(std::to_string(d.instance("app").value("pid", 0))) == own);
  const int daemon = score_of(std::to_string(d.pid()));
  if (daemon != -900) {
    CHECK(daemon == own);
    CHECK_THAT(d.log_tail(), Catch::Contains("lowering it needs root or CAP_SYS_RESOURCE"));
    PMD_SKIP(Need::kOomAdjust, "this machine does not let pmd lower its oom_score_adj (no CAP_SYS_RESOURCE)");
  }
  CHECK_THAT(d.log_tail(), Catch::Contains("oom_score_adj lowered from " + std::to_string(own) + " to -900"));
}
