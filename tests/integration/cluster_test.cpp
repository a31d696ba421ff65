// Cluster mode's shared socket: pmd binds the port once and every instance inherits it, so
// several instances of an unmodified Node app (through pmd's preload) or of any program that
// speaks LISTEN_FDS serve one port together. A port already in use is refused at start.
#include "daemon_fixture.h"
#include "http_client.h"

#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <set>

using namespace pmd::test;

namespace {

bool all_online(const Daemon& d, const std::string& name, int count) {
  int online = 0;
  for (auto& v : d.list())
    if (v["name"] == name && v["status"] == "online") ++online;
  return online == count;
}

}  // namespace

TEST_CASE("instances of an unmodified Node app share one port through pmd's socket", "[cluster]") {
  Daemon d;
  const int port = free_port();
  RunOptions env;
  env.env["PORT"] = std::to_string(port);
  auto r = d.pmctl(
      {"start", (std::filesystem::path(PMD_TEST_FIXTURES_DIR) / ".." / ".." / "examples" / "hello-server.js").string(),
       "--name", "web", "-i", "2"},
      env);
  REQUIRE(r.exit_code == 0);
  CHECK(r.err.empty());  // no cluster warning: the port is known
  // Both bound "their" port: without the shared socket the second would die of EADDRINUSE.
  REQUIRE(wait_until([&] {
    auto log = read_file(d.home() / "logs" / "web-out-0.log") + read_file(d.home() / "logs" / "web-out-1.log");
    return log.find("listening") != std::string::npos && log.rfind("listening") != log.find("listening");
  }));
  auto list = d.list();
  REQUIRE(list.size() == 2);
  for (auto& v : list) {
    CHECK(v["mode"] == "cluster");
    CHECK(v["restarts"] == 0);
  }
  for (int i = 0; i < 20; ++i) CHECK_THAT(http_get(port), Catch::Contains("hello from web"));
  CHECK(all_online(d, "web", 2));

  // A second app on the same port is refused at start, naming the port, and nothing is registered.
  auto clash = d.pmctl(
      {"start", (std::filesystem::path(PMD_TEST_FIXTURES_DIR) / "hello.js").string(), "--name", "clash", "-i", "2"},
      env);
  CHECK(clash.exit_code == 1);
  CHECK_THAT(clash.err, Catch::Contains("port " + std::to_string(port) + " is already in use"));
  CHECK(d.list().size() == 2);

  // The socket belongs to the app: deleting it frees the port.
  REQUIRE(d.pmctl({"delete", "web"}).exit_code == 0);
  CHECK(http_get(port).empty());
}

TEST_CASE("any program that speaks LISTEN_FDS serves the shared socket, across restarts", "[cluster]") {
  Daemon d;
  const int port = free_port();
  auto server = (bin_dir() / "listen_fds_server").string();
  auto r = d.pmctl(
      {"start", server, "--name", "native", "-i", "2", "--exec-mode", "cluster", "--port", std::to_string(port)});
  REQUIRE(r.exit_code == 0);
  REQUIRE(wait_until([&] { return all_online(d, "native", 2); }));
  std::set<std::string> answers;
  for (int i = 0; i < 20; ++i) {
    auto response = http_get(port);
    REQUIRE_THAT(response, Catch::Contains("pid "));
    answers.insert(response.substr(response.find("pid ")));
  }
  // The socket outlives the instances: after a restart the new pids answer on the same port.
  REQUIRE(d.pmctl({"restart", "native"}).exit_code == 0);
  for (int i = 0; i < 10; ++i) CHECK_THAT(http_get(port), Catch::Contains("pid "));
  CHECK(all_online(d, "native", 2));
  for (auto& v : d.list()) CHECK(v["restarts"] == 1);
}

TEST_CASE("a unix socket path in listen is shared like a port and removed with the app", "[cluster]") {
  Daemon d;
  const auto path = (d.home() / "api.sock").string();
  auto server = (bin_dir() / "graceful_http_server").string();
  auto r = d.pmctl({"start", server, "--name", "native", "-i", "2", "--exec-mode", "cluster", "--listen", path});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(wait_until([&] { return all_online(d, "native", 2); }));
  std::set<std::string> answers;
  for (int i = 0; i < 10; ++i) CHECK_THAT(http_get_unix(path), Catch::Contains("pid "));
  CHECK(d.pmctl({"reload", "native"}).exit_code == 0);
  CHECK_THAT(http_get_unix(path), Catch::Contains("pid "));
  REQUIRE(d.pmctl({"delete", "native"}).exit_code == 0);
  CHECK_FALSE(std::filesystem::exists(path));

  // An unmodified Node app that calls listen(path) gets the shared socket through the preload.
  RunOptions env;
  env.env["SOCKET_PATH"] = path;
  r = d.pmctl({"start", fixture("http_server.js").string(), "--name", "web", "-i", "2", "--listen", path,
               "--listen-timeout", "30s"},
              env);
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  REQUIRE(wait_until([&] { return all_online(d, "web", 2); }));
  CHECK_THAT(http_get_unix(path), Catch::Contains("pid "));
  CHECK(d.describe("web")["readiness"]["became_ready"].get<std::string>().find("listening on the shared socket") == 0);
}

TEST_CASE("scale up: an instance silent past listen_timeout is online, as at start", "[cluster]") {
  Daemon d;
  // wait_ready: it never sends 'ready' (a Node app that does not listen is ready after min_uptime).
  REQUIRE(d.pmctl({"start", fixture("hello.js").string(), "--name", "quiet", "-i", "1", "--wait-ready",
                   "--listen-timeout", "300ms"})
              .exit_code == 0);
  auto r = d.pmctl({"scale", "quiet", "2"});
  CHECK(r.exit_code == 0);
  CHECK((r.out + r.err).find("treated as online") != std::string::npos);
  CHECK(all_online(d, "quiet", 2));
}
