// PacedTimer: one steady_timer, re-armed after each run or when hurried.
#include "loop/paced_timer.h"

namespace pmd {

PacedTimer::PacedTimer(boost::asio::io_context& io, std::chrono::milliseconds interval, Job job)
    : timer_(io), interval_(interval), job_(std::move(job)), pace_(interval) {}

void PacedTimer::start() {
  due_ = std::chrono::steady_clock::now();
  arm();
}

void PacedTimer::hurry() {
  const auto soon = std::chrono::steady_clock::now() + interval_;
  if (due_ <= soon) return;
  due_ = soon;
  arm();  // replaces the pending wait, which ends with operation_aborted
}

void PacedTimer::arm() {
  timer_.expires_at(due_);
  timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    const auto delay = std::max(job_(), interval_);
    pace_ = delay;
    // A fixed cadence (not sleep-after-work), so the interval is what users configured; one that
    // fell behind starts afresh instead of running in a burst.
    due_ += delay;
    if (due_ < std::chrono::steady_clock::now()) due_ = std::chrono::steady_clock::now() + delay;
    arm();
  });
}

}  // namespace pmd
