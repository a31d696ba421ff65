// The completion handler for a coroutine nobody awaits. asio::detached drops an exception that
// escapes such a coroutine without a word; `logged("what it was doing")` logs it, and the
// variant with a second argument then runs what the daemon does to go on without that
// coroutine (a pipe reader counts its pipe as closed, a shutdown still exits, ...). Each call
// site decides.
#pragma once

#include <spdlog/spdlog.h>

#include <exception>
#include <functional>
#include <string>

namespace pmd {

inline void log_escaped(const std::string& what, std::exception_ptr e) {
  try {
    std::rethrow_exception(e);
  } catch (const std::exception& x) {
    spdlog::error("{} failed: {}", what, x.what());
  } catch (...) {
    spdlog::error("{} failed with an unknown exception", what);
  }
}

inline auto logged(std::string what, std::function<void()> then = {}) {
  return [what = std::move(what), then = std::move(then)](std::exception_ptr e) {
    if (!e) return;
    log_escaped(what, e);
    if (then) then();
  };
}

}  // namespace pmd
