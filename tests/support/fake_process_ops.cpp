#include "fake_process_ops.h"

#include <fcntl.h>
#include <unistd.h>

namespace pmd::test {

struct FakeProcessOps::Timer {
  bool armed = false;
  std::chrono::milliseconds after{-1};
  std::function<void()> fire;
};

namespace {

class FakeTimer : public DeadlineTimer {
 public:
  explicit FakeTimer(std::shared_ptr<FakeProcessOps::Timer> t) : t_(std::move(t)) {}
  ~FakeTimer() override { cancel(); }
  void arm(std::chrono::milliseconds after, std::function<void()> fire) override {
    t_->armed = true;
    t_->after = after;
    t_->fire = std::move(fire);
  }
  void cancel() override {
    t_->armed = false;
    t_->after = std::chrono::milliseconds(-1);
    t_->fire = {};
  }

 private:
  std::shared_ptr<FakeProcessOps::Timer> t_;
};

}  // namespace

FakeProcessOps::FakeProcessOps() = default;

FakeProcessOps::~FakeProcessOps() {
  for (auto& [pid, o] : outputs_) {
    if (o.out >= 0) ::close(o.out);
    if (o.err >= 0) ::close(o.err);
  }
}

std::variant<LaunchedProcess, std::string> FakeProcessOps::launch(const AppSpec& spec, const InstanceIdentity& who,
                                                                  const ClusterSocket&) {
  if (!next_error_.empty()) return std::exchange(next_error_, {});
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) return std::string("pipe failed");
  if (::pipe2(err, O_CLOEXEC) != 0) {
    ::close(out[0]);
    ::close(out[1]);
    return std::string("pipe failed");
  }
  LaunchedProcess p;
  p.pid = next_pid_++;
  p.stdout_fd = out[0];
  p.stderr_fd = err[0];
  p.unit = "fake." + std::to_string(who.id) + "." + std::to_string(p.pid);
  p.pid_file = spec.pid_file;
  outputs_[p.pid] = Output{out[1], err[1]};
  launched_.push_back(p.pid);
  journal_.push_back("launch " + std::to_string(p.pid));
  return p;
}

void FakeProcessOps::watch_exit(pid_t pid, std::function<void(int)> on_exit) { watchers_[pid] = std::move(on_exit); }

void FakeProcessOps::forget(pid_t pid) { watchers_.erase(pid); }

void FakeProcessOps::signal(ProcessTree& tree, int signo) { signals_.push_back({tree.pgid, signo}); }

void FakeProcessOps::release(ProcessTree& tree) {
  ++released_;
  journal_.push_back("release " + std::to_string(tree.pgid) + " " + tree.pid_file);
  tree.cgroup.clear();
  tree.escaped.clear();
}

std::unique_ptr<DeadlineTimer> FakeProcessOps::make_timer() {
  timers_.push_back(std::make_shared<Timer>());
  return std::make_unique<FakeTimer>(timers_.back());
}

void FakeProcessOps::close_output(pid_t pid) {
  auto it = outputs_.find(pid);
  if (it == outputs_.end()) return;
  if (it->second.out >= 0) ::close(it->second.out);
  if (it->second.err >= 0) ::close(it->second.err);
  outputs_.erase(it);
}

void FakeProcessOps::exit(pid_t pid, int wait_status, bool close_output_first) {
  if (close_output_first) close_output(pid);
  auto it = watchers_.find(pid);
  if (it == watchers_.end()) return;
  auto on_exit = std::move(it->second);
  watchers_.erase(it);
  on_exit(wait_status);
}

bool FakeProcessOps::fire_timer(std::size_t index) {
  if (index >= timers_.size() || !timers_[index]->armed) return false;
  auto fire = std::move(timers_[index]->fire);
  timers_[index]->armed = false;
  timers_[index]->after = std::chrono::milliseconds(-1);
  fire();
  return true;
}

std::chrono::milliseconds FakeProcessOps::armed_for(std::size_t index) const {
  return index < timers_.size() && timers_[index]->armed ? timers_[index]->after : std::chrono::milliseconds(-1);
}

int FakeProcessOps::signals_to(pid_t pgid, int signo) const {
  int n = 0;
  for (const auto& s : signals_) n += s.pgid == pgid && s.signo == signo;
  return n;
}

void drain(boost::asio::io_context& io) {
  // A poll that ran nothing can still be followed by readiness it just registered: stop after
  // three quiet polls in a row.
  for (int quiet = 0; quiet < 3;) {
    io.restart();
    quiet = io.poll() > 0 ? 0 : quiet + 1;
  }
}

bool run_until(boost::asio::io_context& io, const std::function<bool()>& done, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    io.restart();
    io.run_one_for(std::chrono::milliseconds(10));
  }
  return true;
}

}  // namespace pmd::test
