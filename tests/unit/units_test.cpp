// Sizes and durations as written in ecosystem files and flags.
#include "units.h"

#include <catch2/catch.hpp>

using namespace pmd::units;
using std::chrono::milliseconds;

TEST_CASE("parse_size reads PM2-style sizes in powers of 1024", "[units]") {
  CHECK(parse_size("1024") == 1024u);
  CHECK(parse_size("300M") == 300u * 1024 * 1024);
  CHECK(parse_size("300m") == 300u * 1024 * 1024);
  CHECK(parse_size("1G") == 1024ull * 1024 * 1024);
  CHECK(parse_size("1.5G") == 1536ull * 1024 * 1024);
  CHECK(parse_size("512K") == 512u * 1024);
  CHECK(parse_size("10MB") == 10u * 1024 * 1024);
  CHECK(parse_size("10MiB") == 10u * 1024 * 1024);
  CHECK(parse_size(" 2 G ") == 2ull * 1024 * 1024 * 1024);
}

TEST_CASE("parse_size rejects what it cannot read", "[units]") {
  CHECK_FALSE(parse_size(""));
  CHECK_FALSE(parse_size("M"));
  CHECK_FALSE(parse_size("-5M"));
  CHECK_FALSE(parse_size("12X"));
  CHECK_FALSE(parse_size("1.2.3M"));
  CHECK_FALSE(parse_size("10 megabytes"));
}

TEST_CASE("parse_duration: plain numbers are milliseconds, suffixes scale", "[units]") {
  CHECK(parse_duration("1600") == milliseconds(1600));
  CHECK(parse_duration("100ms") == milliseconds(100));
  CHECK(parse_duration("1.5s") == milliseconds(1500));
  CHECK(parse_duration("2m") == milliseconds(120'000));
  CHECK(parse_duration("1h") == milliseconds(3'600'000));
  CHECK(parse_duration("1d") == milliseconds(86'400'000));
  CHECK_FALSE(parse_duration("soon"));
  CHECK_FALSE(parse_duration("5 years"));
  CHECK_FALSE(parse_duration("-1s"));
}

TEST_CASE("format_size and format_uptime are short and readable", "[units]") {
  CHECK(format_size(0) == "0 B");
  CHECK(format_size(512) == "512 B");
  CHECK(format_size(1536) == "1.5 KiB");
  CHECK(format_size(300ull * 1024 * 1024) == "300.0 MiB");
  CHECK(format_uptime(milliseconds(59'999)) == "59s");
  CHECK(format_uptime(milliseconds(60'000)) == "1m");
  CHECK(format_uptime(milliseconds(5 * 3'600'000)) == "5h");
  CHECK(format_uptime(milliseconds(3 * 86'400'000LL)) == "3D");
  CHECK(format_duration(milliseconds(250)) == "250ms");
  CHECK(format_duration(milliseconds(1600)) == "1.6s");
  CHECK(format_duration(milliseconds(150'000)) == "2m30s");
}

#include "nearest_name.h"

TEST_CASE("nearest_name suggests only close names", "[units]") {
  CHECK(pmd::edit_distance("instaces", "instances") == 1);
  CHECK(pmd::nearest_name("instaces", {"name", "instances", "interpreter"}) == std::string("instances"));
  CHECK(pmd::nearest_name("apj", {"api", "worker"}) == std::string("api"));
  CHECK_FALSE(pmd::nearest_name("frobnicate", {"name", "instances"}));
}
