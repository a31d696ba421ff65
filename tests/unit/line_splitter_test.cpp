// App output into lines: nothing lost, long lines cut into pieces, last partial line kept.
#include "logs/line_splitter.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

namespace {
struct Collect {
  std::vector<std::string>* out;
  void operator()(std::string_view line, bool continues) const {
    out->emplace_back(std::string(line) + (continues ? "+" : ""));
  }
};
}  // namespace

TEST_CASE("lines split across reads are joined", "[log]") {
  pmd::LineSplitter s;
  std::vector<std::string> lines;
  s.feed("hel", Collect{&lines});
  s.feed("lo\nwor", Collect{&lines});
  s.feed("ld\r\n\n", Collect{&lines});
  CHECK(lines == std::vector<std::string>{"hello", "world", ""});
}

TEST_CASE("a line over the bound is emitted in pieces, none lost", "[log]") {
  pmd::LineSplitter s(4);
  std::vector<std::string> lines;
  s.feed("abcdefghij\nxy\n", Collect{&lines});
  CHECK(lines == std::vector<std::string>{"abcd+", "efgh+", "ij", "xy"});
}

TEST_CASE("the unterminated last line is flushed at end of stream", "[log]") {
  pmd::LineSplitter s;
  std::vector<std::string> lines;
  s.feed("one\nlast words", Collect{&lines});
  CHECK(lines.size() == 1);
  s.finish(Collect{&lines});
  CHECK(lines == std::vector<std::string>{"one", "last words"});
  s.finish(Collect{&lines});
  CHECK(lines.size() == 2);
}
