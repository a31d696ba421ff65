// The monitor room: on every sampling tick it measures every running instance's process tree
// (CPU, memory), enforces memory limits (the supervisor carries out the restart), measures the
// daemon itself, and pushes the result to `monit` subscribers. `snapshot()` is what `monit` and
// `metrics` show.
#pragma once

#include "process/proc_table.h"
#include "process/usage_sampler.h"
#include "rpc/rpc_connection.h"
#include "supervise/supervisor.h"
#include "web/usage_history.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

namespace pmd {

class Monitor {
 public:
  Monitor(Supervisor& supervisor, std::chrono::milliseconds interval);
  ~Monitor();
  Monitor(const Monitor&) = delete;
  Monitor& operator=(const Monitor&) = delete;

  std::chrono::milliseconds interval() const { return interval_; }

  /// Runs on every tick: a sampling round when one is due, then a `monit.sample` notification
  /// to every subscriber.
  void tick();
  /// Whether ticks must come every interval: someone looks, or a memory limit is enforced. If
  /// not, a tick every kQuietTicks intervals is enough (pmd at rest wakes up twice a minute).
  bool needs_every_interval() const;
  /// Called when figures are looked at after a quiet spell, so the ticks speed up again.
  void on_look(std::function<void()> callback) { on_look_ = std::move(callback); }

  /// {interval_ms, daemon: {pid, version, memory, cpu, cpu_seconds, uptime_ms}, processes: list}.
  /// Counts as a look (see looked_at).
  nlohmann::json snapshot();

  /// Someone looked at the figures (`list`, `describe`, metrics, `monit`). After a quiet spell
  /// every process is read at once, so what is shown is current; for the next
  /// kWatchedAfterLookTicks intervals, rounds run every tick and idle processes are re-read every
  /// UsageSampler::kSlowRounds, so work that starts shows within seconds. While nobody looks,
  /// a round runs every kQuietTicks intervals and idle processes are read in turn once in
  /// UsageSampler::kQuietRounds rounds: pmd at rest costs next to nothing. With a memory limit
  /// on any app, rounds run every interval either way (the limit is enforced within one).
  void looked_at();
  static constexpr int kQuietTicks = 30;
  /// How long a look keeps the pace, in intervals (two minutes at the default 1 s).
  static constexpr int kWatchedAfterLookTicks = 120;

  /// From now on every round's figures are also kept in `history` (the dashboard's charts).
  void keep_history(UsageHistory* history) { history_ = history; }

  /// `connection` gets a `monit.sample` notification (a snapshot) after every tick until it closes.
  void subscribe(const std::shared_ptr<RpcConnection>& connection);

 private:
  bool watched() const;
  void measure_instances();
  /// Gives the heap's free pages back to the kernel (glibc keeps them otherwise).
  static void release_free_memory();
  void sample_self();

  Supervisor& supervisor_;
  std::chrono::milliseconds interval_;
  std::chrono::steady_clock::time_point started_at_;
  std::chrono::steady_clock::time_point last_look_{};   // the epoch: quiet from the start
  std::chrono::steady_clock::time_point last_round_{};  // the epoch: a round at the first tick
  std::chrono::steady_clock::time_point last_trim_;
  std::function<void()> on_look_;
  std::vector<std::weak_ptr<RpcConnection>> subscribers_;
  UsageSampler sampler_;
  UsageHistory* history_ = nullptr;
  // The daemon's own usage, from /proc/self/stat, kept open: read on every tick while watched,
  // and opening it each time was two more system calls and a path lookup in /proc.
  int self_stat_fd_ = -1;
  CpuMeter self_cpu_;
  std::uint64_t self_rss_ = 0;
};

}  // namespace pmd
