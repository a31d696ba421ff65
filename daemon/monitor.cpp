// Sampling ticks and the `monit` stream.
#include "monitor.h"

#include "jsonrpc.h"
#include "pmd_version.h"
#include "proc_table.h"

#include <unistd.h>

#include <algorithm>

namespace pmd {

using nlohmann::json;

namespace {
const double kTicksPerSecond = static_cast<double>(::sysconf(_SC_CLK_TCK));
}

Monitor::Monitor(Supervisor& supervisor, std::chrono::milliseconds interval)
    : supervisor_(supervisor), interval_(interval), started_at_(std::chrono::steady_clock::now()) {
  sample_self();
}

void Monitor::sample_self() {
  auto e = read_proc_entry(::getpid());
  if (!e) return;
  auto now = std::chrono::steady_clock::now();
  if (self_sampled_at_ != std::chrono::steady_clock::time_point{} && e->cpu_ticks >= self_ticks_) {
    double seconds = std::chrono::duration<double>(now - self_sampled_at_).count();
    if (seconds > 0) self_cpu_percent_ = static_cast<double>(e->cpu_ticks - self_ticks_) / kTicksPerSecond / seconds * 100.0;
  }
  self_ticks_ = e->cpu_ticks;
  self_rss_ = e->rss_bytes;
  self_sampled_at_ = now;
}

void Monitor::tick() {
  supervisor_.sample_usage();
  sample_self();
  std::erase_if(subscribers_, [](const auto& weak) {
    auto c = weak.lock();
    return !c || c->closed();
  });
  if (subscribers_.empty()) return;
  // One encoding for every subscriber; one that cannot keep up skips this tick (the next
  // snapshot supersedes it anyway).
  std::string message = rpc::encode_notification("monit.sample", snapshot());
  for (auto& weak : subscribers_)
    if (auto c = weak.lock()) c->send_stream(message);
}

json Monitor::snapshot() const {
  json daemon = {
      {"pid", ::getpid()},
      {"version", kVersion},
      {"memory", self_rss_},
      {"cpu", self_cpu_percent_},
      {"cpu_seconds", static_cast<double>(self_ticks_) / kTicksPerSecond},
      {"uptime_ms", std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_at_).count()},
  };
  return {{"interval_ms", interval_.count()}, {"daemon", daemon}, {"processes", supervisor_.list()}};
}

void Monitor::subscribe(const std::shared_ptr<RpcConnection>& connection) { subscribers_.push_back(connection); }

}  // namespace pmd
