// Fires at each time of a cron expression (cron_restart), in the daemon's local time zone. The
// timer never sleeps more than a minute at once and compares with the wall clock when it wakes,
// so a clock set by NTP or a suspended machine does not make it fire late or twice.
#pragma once

#include "cron_expression.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/system_timer.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>

namespace pmd {

class CronTimer {
 public:
  CronTimer(boost::asio::io_context& io, CronExpression cron, std::function<void()> on_fire);
  ~CronTimer();
  CronTimer(const CronTimer&) = delete;
  CronTimer& operator=(const CronTimer&) = delete;

  /// When it fires next (nullopt: never).
  std::optional<std::chrono::system_clock::time_point> next() const { return next_; }

 private:
  void arm();

  boost::asio::system_timer timer_;
  CronExpression cron_;
  std::function<void()> on_fire_;
  std::optional<std::chrono::system_clock::time_point> next_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace pmd
