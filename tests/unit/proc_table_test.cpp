// Parsing /proc/<pid>/stat, including command names with spaces and parentheses.
#include "process/proc_table.h"

#include <catch2/catch.hpp>

#include <unistd.h>

TEST_CASE("a stat line with a tricky command name parses", "[proc]") {
  const char* line =
      "1234 (my (odd) app) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 123456789 2048 "
      "18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0";
  auto e = pmd::parse_proc_stat(line);
  REQUIRE(e);
  CHECK(e->pid == 1234);
  CHECK(e->ppid == 1);
  CHECK(e->pgid == 1234);
  CHECK(e->state == 'S');
  CHECK(e->cpu_ticks == 300);
  CHECK(e->rss_bytes == 2048u * static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE)));
}

TEST_CASE("garbage is refused", "[proc]") {
  CHECK_FALSE(pmd::parse_proc_stat(""));
  CHECK_FALSE(pmd::parse_proc_stat("12 (x) S 1"));
}

TEST_CASE("descendants follow the parent links, not the roots' siblings", "[proc]") {
  std::vector<pmd::ProcEntry> table = {
      {10, 1, 10, 'S', 0, 0}, {11, 10, 10, 'S', 0, 0}, {12, 11, 12, 'S', 0, 0},
      {13, 1, 13, 'S', 0, 0}, {14, 13, 13, 'S', 0, 0},
  };
  auto d = pmd::descendants_of(table, {10});
  std::sort(d.begin(), d.end());
  CHECK(d == std::vector<pid_t>{11, 12});
}

TEST_CASE("the live table holds this test process", "[proc]") {
  auto table = pmd::read_proc_table();
  bool found = std::any_of(table.begin(), table.end(), [](const pmd::ProcEntry& e) { return e.pid == ::getpid(); });
  CHECK(found);
}
