// What an app sees: the environment of the shell that ran `pmctl start`, declared variables on
// top, PM2's identity variables, its args and cwd; and --update-env on restart.
#include "daemon_fixture.h"
#include "skip.h"

#include <catch2/catch.hpp>

#include <sstream>

using namespace pmd::test;
using nlohmann::json;

namespace {
// The JSON lines hello.js printed at each start, oldest first.
std::vector<json> reports(const Daemon& d, const std::string& name) { return json_reports(d, name); }
}  // namespace

TEST_CASE("the app sees the starter's env, --env-var on top, and PM2's identity variables", "[env]") {
  Daemon d;
  RunOptions shell;
  shell.env["PORT"] = "4000";
  shell.env["GREETING"] = "from the shell";
  shell.cwd = "/tmp";
  auto r = d.pmctl({"start", fixture("hello.js").string(), "--name", "envy", "--env-var", "GREETING=declared", "--",
                    "one", "two words"},
                   shell);
  REQUIRE(r.exit_code == 0);
  REQUIRE(wait_until([&] { return reports(d, "envy").size() == 1; }));
  json seen = reports(d, "envy").front();
  CHECK(seen["PORT"] == "4000");
  CHECK(seen["GREETING"] == "declared");
  CHECK(seen["name"] == "envy");
  CHECK(seen["pm_id"] == d.instance("envy")["id"].dump());
  CHECK(seen["NODE_APP_INSTANCE"] == "0");
  CHECK(seen["PMD_APP"] == "envy");
  CHECK(seen["argv"] == json::array({"one", "two words"}));
  CHECK(seen["cwd"] == "/tmp");
}

TEST_CASE("restart keeps the environment, restart --update-env takes the new shell's", "[env]") {
  Daemon d;
  RunOptions shell;
  shell.env["PORT"] = "4000";
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "svc"}, shell).exit_code == 0);
  REQUIRE(wait_until([&] { return reports(d, "svc").size() == 1; }));

  RunOptions changed;
  changed.env["PORT"] = "5000";
  REQUIRE(d.pmctl({"restart", "svc"}, changed).exit_code == 0);
  REQUIRE(wait_until([&] { return reports(d, "svc").size() == 2; }));
  CHECK(reports(d, "svc")[1]["PORT"] == "4000");

  REQUIRE(d.pmctl({"restart", "svc", "--update-env"}, changed).exit_code == 0);
  REQUIRE(wait_until([&] { return reports(d, "svc").size() == 3; }));
  CHECK(reports(d, "svc")[2]["PORT"] == "5000");
}

TEST_CASE("an app inherits only stdin, stdout and stderr", "[env]") {
  Daemon d;
  // A command from PATH, not a file here: `pmctl start sleep -- 1000`, as with `pm2 start`.
  RunOptions in_tmp;
  in_tmp.cwd = "/tmp";
  auto started = d.pmctl({"start", "sleep", "--name", "napper", "--", "1000"}, in_tmp);
  REQUIRE(started.exit_code == 0);
  CHECK(started.err.empty());  // not an app name: no error printed on the way to PATH
  REQUIRE(d.wait_status("napper", "online"));
  pid_t pid = d.instance("napper")["pid"].get<pid_t>();
  std::vector<std::string> fds;
  for (const auto& entry : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd"))
    fds.push_back(entry.path().filename().string());
  std::sort(fds.begin(), fds.end());
  CHECK(fds == std::vector<std::string>{"0", "1", "2"});
  CHECK(std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/fd/0") == "/dev/null");
}

TEST_CASE("user runs the app as that user, an unknown user is refused at start", "[env]") {
  Daemon d;
  auto unknown = d.pmctl({"start", "sleep", "--name", "ghost", "--user", "no-such-user-here", "--", "1000"});
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.err, Catch::Contains("user 'no-such-user-here' does not exist"));
  CHECK(d.list().empty());
  if (!other_user()) PMD_SKIP(pmd::test::Need::kRoot, "not root: cannot check switching users");
  // Some sandboxes (a chroot made with mktemp -d) keep other users out of / itself.
  RunOptions probe;
  probe.as_uid = *other_user();
  if (run_command({"/bin/true"}, probe).exit_code != 0)
    PMD_SKIP(pmd::test::Need::kOtherUser, "uid " + std::to_string(*other_user()) + " cannot reach / here");
  RunOptions in_tmp;
  in_tmp.cwd = "/";
  REQUIRE(d.pmctl({"start", "sleep", "--name", "lowly", "--user", "nobody", "--", "1000"}, in_tmp).exit_code == 0);
  pid_t pid = d.instance("lowly")["pid"].get<pid_t>();
  std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
  auto uid_line = status.substr(status.find("Uid:"));
  CHECK_THAT(uid_line, Catch::StartsWith("Uid:\t" + std::to_string(*other_user()) + "\t"));
}
