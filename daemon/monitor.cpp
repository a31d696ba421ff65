// Sampling ticks and the `monit` stream.
#include "monitor.h"

#include "jsonrpc.h"
#include "pmd_version.h"
#include "process/proc_table.h"
#include "supervise/restart_policy.h"

#include <fcntl.h>
#include <malloc.h>
#include <unistd.h>

#include <algorithm>

namespace pmd {

using nlohmann::json;

namespace {

std::int64_t unix_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Monitor::Monitor(Supervisor& supervisor, std::chrono::milliseconds interval)
    : supervisor_(supervisor),
      interval_(interval),
      started_at_(std::chrono::steady_clock::now()),
      last_trim_(started_at_),
      self_stat_fd_(::open("/proc/self/stat", O_RDONLY | O_CLOEXEC)) {
  sample_self();
}

Monitor::~Monitor() {
  if (self_stat_fd_ >= 0) ::close(self_stat_fd_);
}

void Monitor::sample_self() {
  auto e = self_stat_fd_ >= 0 ? pread_proc_stat(self_stat_fd_) : read_proc_entry(::getpid());
  if (!e) return;
  self_cpu_.update(e->cpu_ticks, std::chrono::steady_clock::now());
  self_rss_ = e->rss_bytes;
}

void Monitor::measure_instances() {
  auto running = supervisor_.running_instances();
  if (running.empty()) return;
  std::vector<TreeRoot> roots;
  roots.reserve(running.size());
  for (const auto& inst : running)
    roots.push_back({inst->pid(), inst->unit(), inst->app().spec.max_memory_restart > 0});
  auto usage = sampler_.sample(roots);
  const std::int64_t now_ms = history_ ? unix_now_ms() : 0;  // the clock is read only when history is kept
  for (std::size_t i = 0; i < running.size(); ++i) {
    const TreeUsage& tree = usage[i];
    if (tree.processes == 0) continue;  // exited since; its exit is being handled
    running[i]->record_usage(tree.cpu_percent, tree.cpu_ticks, tree.rss_bytes, tree.processes);
    if (history_)
      history_->add_sample(running[i]->app().spec.name, running[i]->identity().id, now_ms, tree.cpu_percent,
                           tree.rss_bytes);
    // The limit applies to the whole process tree, not just the main pid (PM2's blind spot).
    if (auto reason = policy::memory_restart_reason(tree.rss_bytes, running[i]->app().spec.max_memory_restart))
      supervisor_.restart_for_memory(running[i], *reason);
  }
}

void Monitor::release_free_memory() {
#ifdef __GLIBC__
  ::malloc_trim(0);
#endif
}

bool Monitor::watched() const {
  return !subscribers_.empty() || std::chrono::steady_clock::now() - last_look_ < kWatchedAfterLookTicks * interval_;
}

void Monitor::looked_at() {
  const bool was_quiet = !watched();
  last_look_ = std::chrono::steady_clock::now();
  if (!was_quiet) return;
  // What is shown now is read now: idle processes were last read up to minutes ago.
  sampler_.read_all_next_round();
  measure_instances();
  sample_self();  // its CPU figure: the average over the quiet spell
  last_round_ = last_look_;
  if (on_look_) on_look_();
}

bool Monitor::needs_every_interval() const { return watched() || supervisor_.any_memory_limit(); }

void Monitor::tick() {
  supervisor_.sweep();
  std::erase_if(subscribers_, [](const auto& weak) {
    auto c = weak.lock();
    return !c || c->closed();
  });
  const auto now = std::chrono::steady_clock::now();
  // A tick comes a little early or late; a tenth of an interval of slack keeps the pace.
  const auto quiet_period_since = [&](std::chrono::steady_clock::time_point then) {
    return now - then + interval_ / 10 >= kQuietTicks * interval_;
  };
  const bool watched_now = watched();
  sampler_.set_idle_rounds(watched_now ? UsageSampler::kSlowRounds : UsageSampler::kQuietRounds);
  // Nobody looking and no memory limit to enforce: a round every quiet period is enough.
  if (needs_every_interval() || quiet_period_since(last_round_)) {
    measure_instances();
    last_round_ = now;
  }
  // Freed memory in the middle of the heap (a start or list of a thousand apps builds megabytes
  // of replies) stays in the daemon's RSS until given back; once a quiet period, it is.
  if (quiet_period_since(last_trim_)) {
    if (history_) history_->forget_stale(unix_now_ms());
    release_free_memory();
    last_trim_ = now;
  }
  if (!watched_now) return;
  sample_self();
  if (subscribers_.empty()) return;
  // One encoding for every subscriber; one that cannot keep up skips this tick (the next
  // snapshot supersedes it anyway).
  auto message = std::make_shared<const std::string>(rpc::encode_notification("monit.sample", snapshot()));
  for (auto& weak : subscribers_)
    if (auto c = weak.lock()) c->send_stream(message);
}

json Monitor::snapshot() {
  looked_at();
  json daemon = {
      {"pid", ::getpid()},
      {"version", kVersion},
      {"memory", self_rss_},
      {"cpu", self_cpu_.percent()},
      {"cpu_seconds", cpu_seconds(self_cpu_.ticks())},
      {"uptime_ms",
       std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started_at_).count()},
  };
  return {{"interval_ms", interval_.count()}, {"daemon", daemon}, {"processes", supervisor_.list()}};
}

void Monitor::subscribe(const std::shared_ptr<RpcConnection>& connection) { subscribers_.push_back(connection); }

}  // namespace pmd
