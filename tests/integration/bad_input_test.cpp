// Clients that misbehave: malformed JSON, oversized lines, unknown methods, bad params, hanging
// up mid-line, saying nothing, or belonging to another user. Each gets the proper JSON-RPC error
// (or nothing), and the daemon keeps serving everyone else.
#include "daemon_fixture.h"
#include "jsonrpc.h"
#include "skip.h"

#include <catch2/catch.hpp>

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>

using namespace pmd::test;
using nlohmann::json;

namespace {

// A raw client on the daemon's socket.
class RawClient {
 public:
  explicit RawClient(const std::filesystem::path& socket) {
    fd_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, socket.c_str(), sizeof addr.sun_path - 1);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    set_read_timeout(std::chrono::seconds(10));
  }
  void set_read_timeout(std::chrono::milliseconds patience) {
    timeval tv{static_cast<time_t>(patience.count() / 1000), static_cast<suseconds_t>(patience.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~RawClient() { close(); }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  bool connected() const { return connected_; }
  /// Sends what the daemon takes within `patience`; false once it stops reading (backpressure).
  bool try_send(const std::string& bytes, std::chrono::milliseconds patience) {
    timeval tv{static_cast<time_t>(patience.count() / 1000), static_cast<suseconds_t>(patience.count() % 1000 * 1000)};
    ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    for (std::size_t done = 0; done < bytes.size();) {
      ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return false;
      done += static_cast<std::size_t>(n);
    }
    return true;
  }
  void send(const std::string& bytes) {
    for (std::size_t done = 0; done < bytes.size();) {
      ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
      if (n <= 0) return;
      done += static_cast<std::size_t>(n);
    }
  }
  /// The next line from the daemon, parsed (null on EOF or timeout).
  json read_reply() {
    for (;;) {
      auto nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return json::parse(line);
      }
      char buf[4096];
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return nullptr;
      buffer_.append(buf, static_cast<std::size_t>(n));
    }
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

int error_code(const json& reply) {
  return reply.is_object() && reply.contains("error") ? reply["error"]["code"].get<int>() : 0;
}

// The daemon's resident memory, from /proc.
std::size_t rss_bytes(pid_t pid) {
  std::string status = read_file("/proc/" + std::to_string(pid) + "/status");
  auto at = status.find("VmRSS:");
  return at == std::string::npos ? 0 : std::stoull(status.substr(at + 6)) * 1024;
}

void check_still_serving(const Daemon& d) {
  auto ping = d.pmctl({"ping"});
  CHECK(ping.exit_code == 0);
  CHECK_THAT(ping.out, Catch::Contains("pong"));
}

}  // namespace

TEST_CASE("malformed requests get JSON-RPC errors and the daemon keeps serving", "[bad-input]") {
  Daemon d;
  RawClient c(d.home() / "pmd.sock");
  REQUIRE(c.connected());

  c.send("{this is not json\n");
  json reply = c.read_reply();
  CHECK(error_code(reply) == pmd::rpc::kParseError);
  CHECK(reply["id"].is_null());
  check_still_serving(d);

  c.send(R"({"jsonrpc":"2.0","id":1,"method":"teleport","params":{}})"
         "\n");
  reply = c.read_reply();
  CHECK(error_code(reply) == pmd::rpc::kMethodNotFound);
  CHECK(reply["id"] == 1);
  CHECK_THAT(reply["error"]["message"].get<std::string>(), Catch::Contains("teleport") && Catch::Contains("ping"));

  c.send(R"({"jsonrpc":"2.0","id":2,"method":"stop","params":{}})"
         "\n");
  reply = c.read_reply();
  CHECK(error_code(reply) == pmd::rpc::kInvalidParams);
  CHECK_THAT(reply["error"]["message"].get<std::string>(), Catch::Contains("target"));

  c.send(R"({"jsonrpc":"2.0","id":3,"method":"start","params":{"spec":{"name":"x","script":"relative.js"}}})"
         "\n");
  reply = c.read_reply();
  CHECK(error_code(reply) == pmd::rpc::kInvalidParams);

  c.send(R"({"id":4,"method":"ping"})"
         "\n");
  CHECK(error_code(c.read_reply()) == pmd::rpc::kInvalidRequest);

  // The same connection still works after all of that.
  c.send(R"({"jsonrpc":"2.0","id":5,"method":"ping"})"
         "\n");
  reply = c.read_reply();
  CHECK(reply["id"] == 5);
  CHECK(reply["result"]["pong"] == true);
  check_still_serving(d);
}

TEST_CASE("an oversized line is refused without buffering it, and the stream resynchronises", "[bad-input]") {
  Daemon d;
  RawClient c(d.home() / "pmd.sock");
  REQUIRE(c.connected());
  c.send(std::string(3 << 20, 'x') + "\n");
  json reply = c.read_reply();
  CHECK(error_code(reply) == pmd::rpc::kInvalidRequest);
  CHECK_THAT(reply["error"]["message"].get<std::string>(), Catch::Contains("larger than 1 MiB"));
  c.send(R"({"jsonrpc":"2.0","id":9,"method":"ping"})"
         "\n");
  CHECK(c.read_reply()["id"] == 9);
  check_still_serving(d);
}

TEST_CASE("a request nested 100,000 deep is refused and the daemon lives", "[bad-input]") {
  // Under the 1 MiB line limit, this overflowed pmd's stack while the value was copied.
  Daemon d;
  RawClient c(d.home() / "pmd.sock");
  REQUIRE(c.connected());
  const std::size_t depth = 100'000;
  c.send(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":{"x":)" + std::string(depth, '[') +
         std::string(depth, ']') + "}}\n");
  json reply = c.read_reply();
  CHECK(error_code(reply) == pmd::rpc::kInvalidRequest);
  CHECK_THAT(reply["error"]["message"].get<std::string>(), Catch::Contains("nested deeper than 64"));
  c.send(R"({"jsonrpc":"2.0","id":2,"method":"ping"})"
         "\n");
  CHECK(c.read_reply()["id"] == 2);
  check_still_serving(d);
}

TEST_CASE("wrong-typed params name the param, and no library text reaches the client", "[bad-input]") {
  Daemon d;
  RawClient c(d.home() / "pmd.sock");
  REQUIRE(c.connected());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"jsonrpc":"2.0","id":1,"method":"save","params":{"force":"yes"}})", "force"},
      {R"({"jsonrpc":"2.0","id":1,"method":"apply","params":{"specs":[],"update_env":1}})", "update_env"},
      {R"({"jsonrpc":"2.0","id":1,"method":"apply","params":{"specs":[],"force":[]}})", "force"},
      {R"({"jsonrpc":"2.0","id":1,"method":"apply","params":{"specs":[],"mode":7}})", "mode"},
      {R"({"jsonrpc":"2.0","id":1,"method":"reload","params":{"target":"x","parallel":99999999999}})", "parallel"},
      {R"({"jsonrpc":"2.0","id":1,"method":"logs","params":{"follow":"no"}})", "follow"},
  };
  for (const auto& [request, param] : cases) {
    c.send(request + "\n");
    json reply = c.read_reply();
    INFO(request << " -> " << reply.dump());
    CHECK(error_code(reply) == pmd::rpc::kInvalidParams);
    const std::string message = reply["error"]["message"].get<std::string>();
    CHECK_THAT(message, Catch::Contains("\"" + param + "\""));
    CHECK_THAT(message, !Catch::Contains("type_error") && !Catch::Contains("[json."));
  }
  check_still_serving(d);
}

TEST_CASE("durations and counts near the integer limits are refused, not wrapped", "[bad-input]") {
  Daemon d;
  RawClient c(d.home() / "pmd.sock");
  REQUIRE(c.connected());
  auto start_with = [&](const json& extra) {
    json spec = {{"name", "big"}, {"script", "/bin/sleep"}, {"args", {"60"}}, {"cwd", "/"}};
    spec.update(extra);
    c.send(pmd::rpc::encode_request(1, "start", json{{"spec", spec}}));
    return c.read_reply();
  };
  for (const json& extra : {json{{"kill_timeout", INT64_MAX}}, json{{"kill_timeout", 1e30}},
                            json{{"min_uptime", UINT64_MAX}}, json{{"listen_timeout", 2'592'000'001LL}},
                            json{{"instances", 4294967297LL}}, json{{"max_restarts", -1}}, json{{"port", 65536}}}) {
    json reply = start_with(extra);
    INFO(extra.dump() << " -> " << reply.dump());
    CHECK(error_code(reply) == pmd::rpc::kInvalidParams);
    CHECK_THAT(reply["error"]["message"].get<std::string>(), Catch::Contains(extra.begin().key()));
  }
  // 30 days exactly is still a duration pmd takes.
  json reply = start_with(json{{"kill_timeout", 2'592'000'000LL}});
  CHECK(reply.contains("result"));
  CHECK(d.pmctl({"delete", "big"}).exit_code == 0);
  check_still_serving(d);
}

TEST_CASE("clients that hang up mid-line or never speak cost nothing", "[bad-input]") {
  Daemon d;
  {
    RawClient half(d.home() / "pmd.sock");
    REQUIRE(half.connected());
    half.send(R"({"jsonrpc":"2.0","id":1,"meth)");
  }  // hangs up mid-message
  RawClient silent(d.home() / "pmd.sock");
  REQUIRE(silent.connected());
  check_still_serving(d);
  for (int i = 0; i < 50; ++i) {
    RawClient c(d.home() / "pmd.sock");
    c.send("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"li");
  }
  check_still_serving(d);
  auto list = d.pmctl({"list", "--json"});
  CHECK(list.exit_code == 0);
}

TEST_CASE("another user is refused, by file permissions and by the peer uid check", "[bad-input]") {
  auto nobody = other_user();
  if (!nobody) PMD_SKIP(pmd::test::Need::kRoot, "not root: cannot run a client as another user here");
  Daemon d;
  struct stat st {};
  REQUIRE(::stat((d.home() / "pmd.sock").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat(d.home().c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);

  // First line of defence: the 0700 directory and 0600 socket.
  RunOptions as_nobody;
  as_nobody.as_uid = *nobody;
  auto r = d.pmctl({"list"}, as_nobody);
  if (r.exit_code == 127)
    PMD_SKIP(pmd::test::Need::kOtherUser,
             "the build tree is not reachable by uid " + std::to_string(*nobody) + " (e.g. under /root)");
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Catch::Contains("permission denied"));

  // Second line: even with the file permissions opened up, SO_PEERCRED refuses the peer.
  ::chmod(d.home().c_str(), 0711);
  ::chmod((d.home() / "pmd.sock").c_str(), 0666);
  auto opened = d.pmctl({"list"}, as_nobody);
  CHECK(opened.exit_code == 1);
  CHECK_THAT(opened.err, Catch::Contains("permission denied") && Catch::Contains("belongs to uid 0"));
  ::chmod(d.home().c_str(), 0700);
  ::chmod((d.home() / "pmd.sock").c_str(), 0600);
  check_still_serving(d);
}

TEST_CASE("a client that pipelines requests and never reads is held back, and its memory is returned",
          "[bad-input][abuse]") {
  Daemon d;
  REQUIRE(d.pmctl({"start", "/bin/sleep", "--name", "many", "-i", "20", "--force", "--", "1000"}).exit_code == 0);
  const std::size_t before = rss_bytes(d.pid());
  RawClient c(d.home() / "pmd.sock");
  REQUIRE(c.connected());
  // 20,000 `list` requests of 20 instances each: about 300 MB of replies if pmd kept answering a
  // reader that never reads (it grew to 1.5 GB that way). Backpressure stops reading instead.
  const std::string request = pmd::rpc::encode_request(1, "list", json::object());
  std::string batch;
  for (int i = 0; i < 100; ++i) batch += request;
  int sent_batches = 0;
  while (sent_batches < 200 && c.try_send(batch, 2000ms)) ++sent_batches;
  const std::size_t during = rss_bytes(d.pid());
  INFO("rss before " << before << ", while held back " << during << " after " << sent_batches << " batches of 100");
  CHECK(sent_batches < 200);  // the daemon stopped reading
  if (PMD_TEST_SANITIZED)
    WARN("sanitized build: the daemon's memory is not bounded by these figures; not checked");
  else
    CHECK(during < before + (24u << 20));
  check_still_serving(d);
  c.close();
  if (!PMD_TEST_SANITIZED) CHECK(wait_until([&] { return rss_bytes(d.pid()) < before + (8u << 20); }, 5s));
}

TEST_CASE("100 followers that never read cost bounded memory during a flood, and list stays quick",
          "[bad-input][abuse]") {
  Daemon d;
  std::vector<std::unique_ptr<RawClient>> followers;
  RunOptions env;
  env.env["FLOOD_LINES"] = "50000";  // 10 MB encoded: past every follower's 4 MiB bound
  const std::size_t before = rss_bytes(d.pid());
  // `logs -f` of every app, the followers in place before the first line.
  for (int i = 0; i < 100; ++i) {
    followers.push_back(std::make_unique<RawClient>(d.home() / "pmd.sock"));
    followers.back()->send(pmd::rpc::encode_request(1, "logs", json{{"follow", true}}));
    REQUIRE(followers.back()->read_reply()["result"] == json::array());
  }
  REQUIRE(d.pmctl({"start", fixture("flood.sh").string(), "--no-autorestart", "--", "x"}, env).exit_code == 0);
  std::size_t peak = 0;
  REQUIRE(wait_until(
      [&] {
        peak = std::max(peak, rss_bytes(d.pid()));
        return d.instance("flood")["status"] == "stopped";
      },
      60s));
  INFO("rss before " << before << ", peak during the flood " << peak);
  // Each line is encoded once and shared; all followers together hold at most 32 MiB of backlog.
  if (PMD_TEST_SANITIZED)
    WARN("sanitized build: the daemon's memory is not bounded by these figures; not checked");
  else
    CHECK(peak < before + (64u << 20));
  CHECK(
      std::count(std::istreambuf_iterator<char>(*std::make_unique<std::ifstream>(d.home() / "logs" / "flood-out.log")),
                 std::istreambuf_iterator<char>(), '\n') == 50000);
  check_still_serving(d);

  // A follower that catches up is taken back and told how many lines it skipped meanwhile.
  RawClient& reader = *followers.front();
  std::uint64_t delivered = 0, told_missed = 0;
  bool told = false, ticked = false;
  auto take = [&](const json& m) {
    if (m.value("method", "") == "log" && m["params"].value("app", "") == "flood") ++delivered;
    if (m.value("method", "") == "log" && m["params"].value("app", "") == "ticker") ticked = true;
    if (m.value("method", "") == "log.missed") {
      told_missed += m["params"]["count"].get<std::uint64_t>();
      told = true;
    }
  };
  reader.set_read_timeout(1s);
  for (json m = reader.read_reply(); !m.is_null(); m = reader.read_reply()) take(m);  // what was queued for it
  CHECK(delivered > 0);
  // New lines (a ticker, about 10 a second): the first one it takes comes after the count of
  // those it skipped, ticks it skipped before being taken back included.
  REQUIRE(d.pmctl({"start", "/bin/sh", "--name", "ticker", "--", "-c", "while :; do echo tick; sleep 0.1; done"})
              .exit_code == 0);
  // Read until a tick arrives after the count: every flood line queued for it came before.
  reader.set_read_timeout(10s);
  for (json m = reader.read_reply(); !m.is_null() && !(told && ticked); m = reader.read_reply()) take(m);
  INFO("flood lines delivered " << delivered << ", told missed " << told_missed);
  CHECK(told);
  CHECK(ticked);
  CHECK(delivered + told_missed >= 50000);        // every line of the flood: delivered, or counted
  CHECK(delivered + told_missed <= 50000 + 100);  // ... and no more than ten seconds of ticks besides
  followers.clear();
  if (!PMD_TEST_SANITIZED) CHECK(wait_until([&] { return rss_bytes(d.pid()) < before + (16u << 20); }, 5s));
}
