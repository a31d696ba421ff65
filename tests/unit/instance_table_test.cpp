// The instance table: every cell as written in docs/instance-table.md (so a change to the table
// is a visible change to that document), and the properties no cell may break.
#include "supervise/instance_table.h"

#include <catch2/catch.hpp>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>

using namespace pmd;
using namespace pmd::lifecycle;

namespace {

std::vector<Phase> all_phases() {
  std::vector<Phase> out;
  for (int i = 0; i < kPhaseCount; ++i) out.push_back(static_cast<Phase>(i));
  return out;
}
std::vector<Event> all_events() {
  std::vector<Event> out;
  for (int i = 0; i < kEventCount; ++i) out.push_back(static_cast<Event>(i));
  return out;
}

bool has(const Step& step, Action action) {
  for (Action a : step.actions)
    if (a == action) return true;
  return false;
}

std::string render_table() {
  std::ostringstream out;
  out << "# The instance table\n\n"
      << "Generated from `daemon/supervise/instance_table.cpp` and checked by `tests/unit/instance_table_test.cpp`\n"
      << "(`PMD_WRITE_TABLE=1` rewrites it). One section per phase, one row per event; `-` means the\n"
      << "event is ignored in that phase. Transient phases exist only while the action that answers\n"
      << "them is carried out.\n";
  for (Phase p : all_phases()) {
    out << "\n## " << phase_name(p) << " (shown as `" << state_name(status_of(p)) << "`"
        << (is_transient(p) ? ", transient" : "") << ")\n\n| event | next phase | actions |\n|---|---|---|\n";
    for (Event e : all_events()) {
      Step s = transition(p, e);
      out << "| " << event_name(e) << " | ";
      if (s.ignored) {
        out << "- | |\n";
        continue;
      }
      out << phase_name(s.next) << " | ";
      bool first = true;
      for (Action a : s.actions) {
        if (a == Action::kNone) continue;
        out << (first ? "" : ", ") << action_name(a);
        first = false;
      }
      out << " |\n";
    }
  }
  return out.str();
}

}  // namespace

TEST_CASE("every cell of the instance table is the one docs/instance-table.md shows", "[instance_table]") {
  const std::string path = std::string(PMD_TEST_SOURCE_DIR) + "/docs/instance-table.md";
  const std::string table = render_table();
  if (std::getenv("PMD_WRITE_TABLE")) std::ofstream(path) << table;
  std::ifstream in(path);
  std::stringstream written;
  written << in.rdbuf();
  // Compared row by row, so a failure names the cell that changed.
  std::istringstream want(written.str()), got(table);
  std::string want_line, got_line;
  int line = 0;
  while (true) {
    bool a = static_cast<bool>(std::getline(want, want_line)), b = static_cast<bool>(std::getline(got, got_line));
    ++line;
    if (!a && !b) break;
    INFO("line " << line << " of docs/instance-table.md");
    REQUIRE(got_line == want_line);
  }
}

TEST_CASE("the table is total and its transient phases meet only the answers they wait for", "[instance_table]") {
  for (Phase p : all_phases())
    for (Event e : all_events()) {
      Step s = transition(p, e);
      INFO(phase_name(p) << " x " << event_name(e));
      CHECK(static_cast<int>(s.next) < kPhaseCount);
      if (s.ignored) CHECK(s.next == p);
      if (p == Phase::kSpawning || p == Phase::kRespawning)
        CHECK(s.ignored == !(e == Event::kSpawned || e == Event::kSpawnedReady || e == Event::kSpawnFailed));
      if (p == Phase::kExited)
        CHECK(s.ignored == !(e == Event::kPolicyRestart || e == Event::kPolicyStop || e == Event::kPolicyGiveUp));
      // An action that answers with an event leads to the phase that waits for the answer.
      if (has(s, Action::kSpawn)) CHECK((s.next == Phase::kSpawning || s.next == Phase::kRespawning));
      if (has(s, Action::kConsultPolicy)) CHECK(s.next == Phase::kExited);
      // A launch is cleaned up exactly when nothing of it can run any more.
      if (has(s, Action::kCleanUp)) CHECK_FALSE((process_may_run(p) && e != Event::kExited));
    }
}

TEST_CASE("a process that may run is never left unwatched: its exit is always taken", "[instance_table]") {
  for (Phase p : all_phases()) {
    if (!process_may_run(p)) continue;
    INFO(phase_name(p));
    CHECK_FALSE(transition(p, Event::kExited).ignored);
    CHECK_FALSE(transition(p, Event::kExitedOutputOpen).ignored);
    CHECK_FALSE(process_may_run(transition(p, Event::kExited).next));
  }
}

TEST_CASE("after a stop nothing but a new start launches the app again, from any phase", "[instance_table]") {
  // The hang fixed in b4238e1 was this property broken for one cell (a stop during a memory
  // restart relaunched the app). Here it is checked for every phase and every event sequence
  // that does not come from a person: exits, EOF, timers, and the answers of actions.
  const std::set<Event> requests = {Event::kStart, Event::kRestartFor};
  for (Phase start : all_phases()) {
    if (is_transient(start)) continue;
    Step stopped = transition(start, Event::kStop);
    INFO("stop in " << phase_name(start));
    CHECK_FALSE(has(stopped, Action::kSpawn));
    std::set<Phase> seen;
    std::vector<Phase> todo = {stopped.next};
    while (!todo.empty()) {
      Phase p = todo.back();
      todo.pop_back();
      if (!seen.insert(p).second) continue;
      INFO("reached " << phase_name(p));
      CHECK(goal_of(p) != Goal::kRun);
      for (Event e : all_events()) {
        if (requests.count(e)) continue;
        Step s = transition(p, e);
        INFO(event_name(e));
        CHECK_FALSE(has(s, Action::kSpawn));
        CHECK_FALSE(has(s, Action::kArmRestartDelay));
        todo.push_back(s.next);
      }
    }
  }
}

TEST_CASE("from every phase a stop and the process's end lead to stopped", "[instance_table]") {
  for (Phase p : all_phases()) {
    if (is_transient(p)) continue;
    INFO(phase_name(p));
    Phase now = transition(p, Event::kStop).next;
    if (process_may_run(now)) now = transition(now, Event::kExited).next;
    if (now == Phase::kDrainingToStop || now == Phase::kDraining) now = transition(now, Event::kOutputClosed).next;
    CHECK((now == Phase::kStopped || now == Phase::kErrored));
  }
}

TEST_CASE("the status list shows is one of PM2's names for every phase", "[instance_table]") {
  std::set<std::string> names;
  for (Phase p : all_phases()) names.insert(state_name(status_of(p)));
  CHECK(names == std::set<std::string>{"launching", "online", "stopping", "stopped", "waiting restart", "errored"});
}
