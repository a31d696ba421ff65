// pmctl monit for real: in a tmux pane, driven with send-keys, read with capture-pane.
#include "daemon_fixture.h"
#include "skip.h"
#include "ssh_hosts.h"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <map>
#include <sstream>

using namespace pmd::test;

namespace {

const char* const kTmux = "/usr/bin/tmux";

// One tmux server per test (its own socket in the test's home), killed at the end.
class TmuxPane {
 public:
  /// `env` (NAME=VALUE, no single quotes) and `flags` (words before `monit`) as given.
  TmuxPane(const Daemon& d, int width, int height, const std::map<std::string, std::string>& env = {},
           const std::string& flags = "")
      : socket_((d.home() / "tmux.sock").string()) {
    // The pane runs monit, then says how it ended and stays, so the exit status can be read.
    std::string command = "PMD_HOME='" + d.home().string() + "' ";
    for (const auto& [name, value] : env) command += name + "='" + value + "' ";
    command += "'" + (bin_dir() / "pmctl").string() + "' " + flags + " monit; echo \"monit exited $?\"; sleep 600";
    auto r = tmux({"new-session", "-d", "-x", std::to_string(width), "-y", std::to_string(height), command});
    if (r.exit_code != 0) FAIL("tmux new-session failed: " << r.err);
  }
  ~TmuxPane() { tmux({"kill-server"}); }

  RunResult tmux(std::vector<std::string> args) const {
    std::vector<std::string> argv = {kTmux, "-S", socket_, "-f", "/dev/null"};
    argv.insert(argv.end(), args.begin(), args.end());
    RunOptions options;
    options.env["TERM"] = "xterm-256color";
    return run_command(argv, options);
  }
  std::string screen() const { return tmux({"capture-pane", "-p"}).out; }
  bool shows(const std::string& text, std::chrono::milliseconds deadline = 15s) const {
    return wait_until([&] { return screen().find(text) != std::string::npos; }, deadline);
  }
  void keys(const std::string& keys) const { tmux({"send-keys", keys}); }

 private:
  std::string socket_;
};

}  // namespace

TEST_CASE("pmctl monit shows every instance live, follows the selection, redraws on resize and quits on q", "[monit]") {
  REQUIRE(::access(kTmux, X_OK) == 0);  // a test dependency: scripts/install-deps.sh installs tmux
  Daemon d;
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "alpha"}).exit_code == 0);
  REQUIRE(d.pmctl({"start", fixture("leak.js").string(), "--name", "beta", "--max-memory-restart", "150M"}).exit_code ==
          0);
  TmuxPane pane(d, 120, 30);

  // Both instances, live figures, the first one selected with its app's log lines.
  REQUIRE(pane.shows("alpha"));
  CHECK(pane.shows("beta"));
  CHECK(pane.shows("-- alpha [id 0]"));
  CHECK(pane.shows("0| {\"pid\""));  // hello.js's report line, in alpha's log panel

  // j selects beta: its details and its own log lines (leak.js says how much it holds).
  pane.keys("j");
  CHECK(pane.shows("-- beta [id 1]"));
  CHECK(pane.shows("1| holding"));
  CHECK(pane.shows("of 150.0 MiB limit"));
  // Updates come from the stream, with no key pressed: beta passes its limit and is restarted.
  CHECK(pane.shows("(memory 1", 30s));
  // An app started after monit appears on its own.
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "gamma"}).exit_code == 0);
  CHECK(pane.shows("gamma"));
  // k goes back up.
  pane.keys("k");
  CHECK(pane.shows("-- alpha [id 0]"));

  // Resize: redrawn to the new width (bars dropped below 90 columns).
  pane.tmux({"resize-window", "-x", "80", "-y", "24"});
  CHECK(wait_until([&] {
    auto text = pane.screen();
    std::istringstream lines(text);
    std::size_t widest = 0;
    for (std::string line; std::getline(lines, line);) widest = std::max(widest, line.size());
    return widest <= 80 && text.find("alpha") != std::string::npos && text.find("[#") == std::string::npos;
  }));

  pane.keys("q");
  CHECK(pane.shows("monit exited 0"));
}

TEST_CASE("pmctl monit without a terminal says so and fails", "[monit]") {
  Daemon d;
  auto r = d.pmctl({"monit"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.err, Catch::Contains("needs a terminal"));
}

TEST_CASE("pmctl --host monit shows a remote pmd's instances live through ssh, and quits on q", "[monit][ssh]") {
  REQUIRE(::access(kTmux, X_OK) == 0);
  Daemon d;
  SshHosts hosts({d.home()});
  if (!hosts.why_not().empty()) PMD_SKIP(Need::kSshd, hosts.why_not());
  REQUIRE(d.pmctl({"start", fixture("leak.js").string(), "--name", "remote-beta"}).exit_code == 0);
  // The pane's own PMD_HOME names nothing: what it shows can only have come over ssh.
  Daemon elsewhere;
  TmuxPane pane(elsewhere, 120, 30, hosts.client_env(), "--host " + hosts.url(0));
  CHECK(pane.shows("-- remote-beta [id 0]"));
  CHECK(pane.shows("0| holding"));  // its log lines, streamed
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "remote-gamma"}).exit_code == 0);
  CHECK(pane.shows("remote-gamma"));
  pane.keys("q");
  CHECK(pane.shows("monit exited 0"));
}
