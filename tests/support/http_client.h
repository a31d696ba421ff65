// HTTP from the tests' side, on 127.0.0.1 only: a free port, one GET, and a bounded keep-alive
// load generator that counts every request that did not get a whole 200 response.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace pmd::test {

/// A port nobody listens on right now (bound to 0 by the kernel, then released).
int free_port();

/// One HTTP/1.0 GET of `path` to 127.0.0.1:port; the whole response, or "" on failure.
std::string http_get(int port, const std::string& path = "/");
/// One GET / from client address `source` (in 127.0.0.0/8, host order: 0x7F000002 is 127.0.0.2).
std::string http_get_from(int port, std::uint32_t source);
/// The same over a unix socket.
std::string http_get_unix(const std::string& socket_path);

struct LoadReport {
  std::uint64_t ok = 0;
  std::uint64_t failed = 0;  // refused, reset, cut short, timed out, not 200
  // Sent on a reused keep-alive connection that the server closed before any byte of answer (it
  // closed an idle connection as the request arrived): sent again on a new connection, as
  // browsers, curl and Go's net/http do for an idempotent request. A failure only if that fails.
  std::uint64_t resent = 0;
  std::map<std::string, std::uint64_t> bodies;  // answer body -> how many times (the servers put their pid there)
  std::vector<std::string> first_failures;      // what went wrong, the first few times
};

/// `connections` clients, each sending GET / over keep-alive as fast as answers come (with a
/// short pause between requests, so the machine stays responsive), reconnecting when the server
/// says `Connection: close`. A connection the server closes before answering counts as a failure:
/// that is the request a careless reload drops, unless it was on a reused connection (see
/// `resent`). Stops by itself after `limit`.
class HttpLoad {
 public:
  HttpLoad(int port, int connections, std::chrono::seconds limit = std::chrono::seconds(120));
  ~HttpLoad();
  HttpLoad(const HttpLoad&) = delete;
  HttpLoad& operator=(const HttpLoad&) = delete;

  /// Counts so far.
  LoadReport snapshot() const;
  /// Stops every client and returns the final counts.
  LoadReport stop();

 private:
  void run_client();
  void record(bool ok, const std::string& body_or_error);

  int port_;
  std::chrono::steady_clock::time_point deadline_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  LoadReport report_;
  std::vector<std::thread> threads_;
};

}  // namespace pmd::test
