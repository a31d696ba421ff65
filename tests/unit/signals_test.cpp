// Signal names in flags and in messages.
#include "signals.h"

#include <catch2/catch.hpp>

#include <csignal>

TEST_CASE("signals parse by name, short name and number", "[signals]") {
  CHECK(pmd::parse_signal("SIGTERM") == SIGTERM);
  CHECK(pmd::parse_signal("term") == SIGTERM);
  CHECK(pmd::parse_signal("2") == SIGINT);
  CHECK_FALSE(pmd::parse_signal("SIGNOPE"));
  CHECK_FALSE(pmd::parse_signal("0"));
  CHECK(pmd::signal_name(SIGKILL) == "SIGKILL");
  CHECK(pmd::signal_name(63) == "signal 63");
}
