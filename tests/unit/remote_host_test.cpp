// pmctl --host's pure parts: host names, the remote shell's quoting, ssh's argv, ssh's failures
// in plain words, and the gathering of several hosts' outputs.
#include "remote_host.h"
#include "fleet_output.h"

#include <catch2/catch.hpp>

using namespace pmd::cli;
using nlohmann::json;

namespace {
RemoteHost parsed(const std::string& text) {
  auto r = parse_remote_host(text);
  INFO(text << ": " << (std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : ""));
  REQUIRE(std::holds_alternative<RemoteHost>(r));
  return std::get<RemoteHost>(r);
}
std::string refusal(const std::string& text) {
  auto r = parse_remote_host(text);
  REQUIRE(std::holds_alternative<std::string>(r));
  return std::get<std::string>(r);
}
}  // namespace

TEST_CASE("hosts are read as ssh:// URLs or user@host, with ports and IPv6", "[remote]") {
  auto h = parsed("ssh://deploy@web1:2222");
  CHECK(h.user == "deploy");
  CHECK(h.host == "web1");
  CHECK(h.port == 2222);
  CHECK(h.label() == "deploy@web1:2222");
  h = parsed("web2.example.com");
  CHECK(h.user.empty());
  CHECK(h.port == 0);
  CHECK(h.label() == "web2.example.com");
  h = parsed("root@[::1]:22");
  CHECK(h.host == "::1");
  CHECK(h.port == 22);
  CHECK(h.label() == "root@[::1]:22");
  CHECK(parsed(h.label()).host == "::1");  // a label reads back as the same host
  CHECK(parsed("fe80::1").host == "fe80::1");
  CHECK(parsed("fe80::1").label() == "[fe80::1]");
  CHECK_THAT(refusal("web1@[:]"), Catch::Contains("host name"));  // found by fuzz_hosts
  CHECK(parsed("ssh://web3/").host == "web3");

  CHECK_THAT(refusal("http://web1"), Catch::Contains("only ssh://"));
  CHECK_THAT(refusal("web1:0"), Catch::Contains("port"));
  CHECK_THAT(refusal("web1:70000"), Catch::Contains("port"));
  CHECK_THAT(refusal("-oProxyCommand=x"), Catch::Contains("host name"));  // never an ssh option
  CHECK_THAT(refusal("a b"), Catch::Contains("host name"));
  CHECK_THAT(refusal("us;er@web1"), Catch::Contains("user name"));
  CHECK_THAT(refusal("ssh://"), Catch::Contains("no host name"));
}

TEST_CASE("host lists: commas, spaces, new lines and comments, duplicates refused", "[remote]") {
  auto r = parse_host_list("web1, web2\n# the spare\ndeploy@web3:2200 # rack 2\n");
  REQUIRE(std::holds_alternative<std::vector<RemoteHost>>(r));
  auto& hosts = std::get<std::vector<RemoteHost>>(r);
  REQUIRE(hosts.size() == 3);
  CHECK(hosts[2].label() == "deploy@web3:2200");
  auto twice = parse_host_list("web1,ssh://web1");
  REQUIRE(std::holds_alternative<std::string>(twice));
  CHECK_THAT(std::get<std::string>(twice), Catch::Contains("twice"));
  CHECK(std::holds_alternative<std::string>(parse_host_list(" # nothing\n")));
}

TEST_CASE("the remote command is quoted for the remote shell, and ssh runs in batch mode", "[remote]") {
  CHECK(shell_quote("list") == "list");
  CHECK(shell_quote("/srv/app/server.js") == "/srv/app/server.js");
  CHECK(shell_quote("") == "''");
  CHECK(shell_quote("a b") == "'a b'");
  CHECK(shell_quote("it's; rm -rf /") == "'it'\\''s; rm -rf /'");
  CHECK(shell_quote("$(reboot)") == "'$(reboot)'");

  auto argv = ssh_argv(std::get<RemoteHost>(parse_remote_host("deploy@web1:2222")), {"-F", "/tmp/cfg"}, "pmctl",
                       {"--stdio", "--no-start"});
  CHECK(argv == std::vector<std::string>{"ssh", "-o", "BatchMode=yes", "-T", "-F", "/tmp/cfg", "-p", "2222", "-l",
                                         "deploy", "--", "web1", "pmctl --stdio --no-start"});
  argv = ssh_argv(std::get<RemoteHost>(parse_remote_host("web1")), {}, "/opt/pmd/bin/pmctl",
                  {"start", "my app.js", "--", "--port", "3000"});
  CHECK(argv.back() == "/opt/pmd/bin/pmctl start 'my app.js' -- --port 3000");
  CHECK(argv[argv.size() - 2] == "web1");
}

TEST_CASE("ssh's failures become sentences that say what to do", "[remote]") {
  const auto host = std::get<RemoteHost>(parse_remote_host("deploy@web1"));
  CHECK_THAT(explain_ssh_failure(host, 255, "Host key verification failed.\n"),
             Catch::Contains("deploy@web1: its host key") && Catch::Contains("known_hosts"));
  CHECK_THAT(explain_ssh_failure(host, 255, "deploy@web1: Permission denied (publickey).\n"),
             Catch::Contains("login was refused") && Catch::Contains("PMD_SSH_OPTS"));
  CHECK_THAT(explain_ssh_failure(host, 255, "ssh: connect to host web1 port 22: Connection refused\n"),
             Catch::Contains("cannot reach it (ssh: connect to host web1"));
  CHECK_THAT(explain_ssh_failure(host, 127, "bash: line 1: pmctl: command not found\n"),
             Catch::Contains("pmd is not installed there") && Catch::Contains("PMD_REMOTE_PMCTL"));
  CHECK(explain_ssh_failure(host, 3, "pmctl: error: no daemon is running for /home/deploy/.pmd\n") ==
        "deploy@web1: pmctl: error: no daemon is running for /home/deploy/.pmd");
  CHECK_THAT(explain_ssh_failure(host, 255, ""), Catch::Contains("status 255"));
}

TEST_CASE("several hosts' outputs: one list with a host, metrics with a host label and one HELP per family",
          "[remote]") {
  auto rows = merge_lists({{"web1", json::parse(R"([{"name":"api","pid":10}])")},
                           {"web2", json::parse(R"([{"name":"api","pid":20},{"name":"worker","pid":21}])")},
                           {"web3", json::parse(R"({"not":"a list"})")}});
  REQUIRE(rows.size() == 3);
  CHECK(rows[0]["host"] == "web1");
  CHECK(rows[2]["host"] == "web2");

  const std::string one =
      "# HELP pmd_app_restarts Restarts.\n# TYPE pmd_app_restarts counter\n"
      "pmd_app_restarts{app=\"api\",id=\"0\"} 3\n# HELP pmd_up Up.\n# TYPE pmd_up gauge\npmd_up 1\n";
  const std::string two =
      "# HELP pmd_app_restarts Restarts.\n# TYPE pmd_app_restarts counter\n"
      "pmd_app_restarts{app=\"api\",id=\"0\"} 5\n# HELP pmd_up Up.\n# TYPE pmd_up gauge\npmd_up 1\n";
  CHECK(merge_metrics({{"web1", one}, {"we\"b2", two}}) ==
        "# HELP pmd_app_restarts Restarts.\n# TYPE pmd_app_restarts counter\n"
        "pmd_app_restarts{host=\"web1\",app=\"api\",id=\"0\"} 3\n"
        "pmd_app_restarts{host=\"we\\\"b2\",app=\"api\",id=\"0\"} 5\n"
        "# HELP pmd_up Up.\n# TYPE pmd_up gauge\npmd_up{host=\"web1\"} 1\npmd_up{host=\"we\\\"b2\"} 1\n");
}

TEST_CASE("live lines of a host get its prefix, and a partial line waits for its end", "[remote]") {
  std::string pending = "one\ntwo\nthr";
  CHECK(take_prefixed_lines(pending, "web1 | ") == "web1 | one\nweb1 | two\n");
  CHECK(pending == "thr");
  pending += "ee\n";
  CHECK(take_prefixed_lines(pending, "web1 | ") == "web1 | three\n");
  CHECK(pending.empty());
  CHECK(take_prefixed_lines(pending, "x") == "");
}
