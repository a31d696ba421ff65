// A coroutine nobody awaits: what escapes it is logged with what it was doing, and the call
// site's way to go on runs (instead of asio::detached dropping it silently).
#include "loop/detached.h"

#include <catch2/catch.hpp>

#include <spdlog/sinks/ostream_sink.h>

#include <sstream>
#include <stdexcept>

TEST_CASE("an exception escaping a detached coroutine is logged and the call site goes on its own way", "[detached]") {
  std::ostringstream captured;
  auto previous = spdlog::default_logger();
  spdlog::set_default_logger(
      std::make_shared<spdlog::logger>("capture", std::make_shared<spdlog::sinks::ostream_sink_mt>(captured)));
  int went_on = 0;
  auto handler = pmd::logged("reading app api's output", [&] { ++went_on; });
  handler(nullptr);  // finished normally
  CHECK(went_on == 0);
  CHECK(captured.str().empty());
  handler(std::make_exception_ptr(std::runtime_error("read: Bad file descriptor")));
  CHECK(went_on == 1);
  CHECK_THAT(captured.str(), Catch::Contains("reading app api's output failed: read: Bad file descriptor"));
  pmd::logged("something else")(std::make_exception_ptr(42));
  CHECK_THAT(captured.str(), Catch::Contains("something else failed with an unknown exception"));
  spdlog::set_default_logger(previous);
}
