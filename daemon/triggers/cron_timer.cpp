#include "triggers/cron_timer.h"

namespace pmd {

using Clock = std::chrono::system_clock;

CronTimer::CronTimer(boost::asio::io_context& io, CronExpression cron, std::function<void()> on_fire)
    : timer_(io), cron_(cron), on_fire_(std::move(on_fire)), next_(next_firing(cron_, Clock::now())) {
  arm();
}

CronTimer::~CronTimer() { *alive_ = false; }

void CronTimer::arm() {
  if (!next_) return;
  timer_.expires_after(std::min<Clock::duration>(*next_ - Clock::now(), std::chrono::minutes(1)));
  timer_.async_wait([this, alive = alive_](const boost::system::error_code& ec) {
    if (ec || !*alive) return;
    const auto now = Clock::now();
    if (now >= *next_) {
      // Missed firings (a suspended machine) are not made up for: the next one is from now.
      next_ = next_firing(cron_, std::max(*next_, now));
      on_fire_();
      if (!*alive) return;  // the callback may have destroyed this timer (the app was deleted)
    }
    arm();
  });
}

}  // namespace pmd
