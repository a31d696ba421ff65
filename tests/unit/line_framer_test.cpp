// NDJSON framing: partial reads, several messages in one read, oversized lines.
#include "line_framer.h"

#include <catch2/catch.hpp>

using pmd::LineFramer;
using Kind = LineFramer::Frame::Kind;

TEST_CASE("a message split over several reads comes out whole", "[framing]") {
  LineFramer f(100);
  f.feed("{\"a\":");
  CHECK(f.next().kind == Kind::kNone);
  CHECK(f.has_partial());
  f.feed("1}\n");
  auto frame = f.next();
  REQUIRE(frame.kind == Kind::kLine);
  CHECK(frame.line == "{\"a\":1}");
  CHECK(f.next().kind == Kind::kNone);
  CHECK_FALSE(f.has_partial());
}

TEST_CASE("several messages in one read come out in order, CRLF tolerated", "[framing]") {
  LineFramer f(100);
  f.feed("one\ntwo\r\nthree\nfour");
  CHECK(f.next().line == "one");
  CHECK(f.next().line == "two");
  CHECK(f.next().line == "three");
  CHECK(f.next().kind == Kind::kNone);
  f.feed("\n");
  CHECK(f.next().line == "four");
}

TEST_CASE("a line that fills the buffer alone is handed over whole, and framing goes on after it", "[framing]") {
  LineFramer f(1 << 20);
  const std::string big(300000, 'x');
  f.feed(big.substr(0, 100000));
  f.feed(big.substr(100000) + "\r\n");
  auto frame = f.next();
  REQUIRE(frame.kind == Kind::kLine);
  CHECK(frame.line == big);
  CHECK_FALSE(f.has_partial());
  CHECK(f.next().kind == Kind::kNone);
  f.feed("after\nand a part");
  CHECK(f.next().line == "after");
  CHECK(f.next().kind == Kind::kNone);
  CHECK(f.has_partial());
  f.feed("\n");
  CHECK(f.next().line == "and a part");
}

TEST_CASE("an oversized line is reported once and the stream resynchronises", "[framing]") {
  LineFramer f(10);
  f.feed("ok\n");
  f.feed(std::string(15, 'x'));  // over the bound before its newline arrives
  CHECK(f.next().line == "ok");
  CHECK(f.next().kind == Kind::kOversized);
  CHECK(f.next().kind == Kind::kNone);
  f.feed(std::string(1000, 'y'));  // still the same oversized line: discarded, not buffered
  CHECK(f.next().kind == Kind::kNone);
  f.feed("zz\nnext\n");
  auto frame = f.next();
  REQUIRE(frame.kind == Kind::kLine);
  CHECK(frame.line == "next");
}

TEST_CASE("an oversized line that arrives whole in one read is reported too", "[framing]") {
  LineFramer f(10);
  f.feed(std::string(20, 'x') + "\nafter\n");
  CHECK(f.next().kind == Kind::kOversized);
  CHECK(f.next().line == "after");
}

TEST_CASE("a line exactly at the bound is accepted", "[framing]") {
  LineFramer f(10);
  f.feed(std::string(10, 'a') + "\n");
  auto frame = f.next();
  REQUIRE(frame.kind == Kind::kLine);
  CHECK(frame.line.size() == 10);
}

TEST_CASE("millions of short lines in one read are framed in linear time", "[framing]") {
  // Erasing each taken line from the front of the buffer made this quadratic: 16 MiB of blank
  // lines kept the daemon busy for hours of CPU. Taken by offset, it is a moment's work (the
  // unit tests' ctest timeout is what fails if it regresses).
  LineFramer f(1 << 20);
  f.feed(std::string(16 << 20, '\n') + "last\n");
  std::size_t blank = 0;
  LineFramer::Frame frame;
  while ((frame = f.next()).kind == Kind::kLine && frame.line.empty()) ++blank;
  CHECK(blank == (16u << 20));
  CHECK(frame.line == "last");
  CHECK(f.next().kind == Kind::kNone);
  CHECK_FALSE(f.has_partial());
}
