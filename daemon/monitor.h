// The monitor room: on every sampling tick it measures every running instance's process tree
// (CPU, memory), enforces memory limits (the supervisor carries out the restart), measures the
// daemon itself, and pushes the result to `monit` subscribers. `snapshot()` is what `monit` and
// `metrics` show.
#pragma once

#include "process/proc_table.h"
#include "process/usage_sampler.h"
#include "rpc/rpc_connection.h"
#include "supervise/supervisor.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

namespace pmd {

class Monitor {
 public:
  Monitor(Supervisor& supervisor, std::chrono::milliseconds interval);

  std::chrono::milliseconds interval() const { return interval_; }

  /// One sampling round, then a `monit.sample` notification to every subscriber.
  void tick();

  /// {interval_ms, daemon: {pid, version, memory, cpu, cpu_seconds, uptime_ms}, processes: list}.
  nlohmann::json snapshot() const;

  /// `connection` gets a `monit.sample` notification (a snapshot) after every tick until it closes.
  void subscribe(const std::shared_ptr<RpcConnection>& connection);

 private:
  void measure_instances();
  void sample_self();

  Supervisor& supervisor_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point started_at_;
  std::vector<std::weak_ptr<RpcConnection>> subscribers_;
  UsageSampler sampler_;
  // The daemon's own usage, from /proc/<pid>/stat.
  CpuMeter self_cpu_;
  std::uint64_t self_rss_ = 0;
};

}  // namespace pmd
