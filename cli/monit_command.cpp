// The terminal side of pmctl monit: subscribe, then wait on the keyboard and the daemon at once
// and redraw whenever either says something (and on resize). No polling of `list`.
#include "monit_command.h"

#include "monit_view.h"

#include <curses.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <clocale>
#include <iostream>

namespace pmd::cli {

using nlohmann::json;

namespace {

constexpr std::size_t kRecentLines = 100;

enum Pair : short { kPairTitle = 1, kPairSelected, kPairSection, kPairError, kPairDim };

void setup_colors() {
  if (!has_colors()) return;
  start_color();
  use_default_colors();
  init_pair(kPairTitle, COLOR_BLACK, COLOR_CYAN);
  init_pair(kPairSelected, COLOR_BLACK, COLOR_GREEN);
  init_pair(kPairSection, COLOR_CYAN, -1);
  init_pair(kPairError, COLOR_RED, -1);
  init_pair(kPairDim, COLOR_BLUE, -1);
}

attr_t attribute(LineStyle style) {
  const bool color = has_colors();
  switch (style) {
    case LineStyle::kTitle: return color ? COLOR_PAIR(kPairTitle) : A_REVERSE;
    case LineStyle::kHeader: return A_BOLD;
    case LineStyle::kSelected: return color ? COLOR_PAIR(kPairSelected) | A_BOLD : A_REVERSE;
    case LineStyle::kSection: return color ? COLOR_PAIR(kPairSection) : A_BOLD;
    case LineStyle::kError: return color ? COLOR_PAIR(kPairError) : A_NORMAL;
    case LineStyle::kDim: return color ? COLOR_PAIR(kPairDim) : A_DIM;
    case LineStyle::kNormal: break;
  }
  return A_NORMAL;
}

void draw(const MonitState& state) {
  int height = 0, width = 0;
  getmaxyx(stdscr, height, width);
  erase();
  auto lines = render_monit(state, width, height);
  for (int y = 0; y < height && y < static_cast<int>(lines.size()); ++y) {
    attr_t a = attribute(lines[static_cast<std::size_t>(y)].style);
    attron(a);
    mvaddnstr(y, 0, lines[static_cast<std::size_t>(y)].text.c_str(), width);
    // Bars of colour run the whole width.
    if (lines[static_cast<std::size_t>(y)].style == LineStyle::kTitle ||
        lines[static_cast<std::size_t>(y)].style == LineStyle::kSelected)
      for (int x = static_cast<int>(lines[static_cast<std::size_t>(y)].text.size()); x < width; ++x) mvaddch(y, x, ' ');
    attroff(a);
  }
  refresh();
}

// The terminal goes back to normal however monit ends.
struct CursesScreen {
  CursesScreen() {
    initscr();
    cbreak();
    noecho();
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    curs_set(0);
    setup_colors();
  }
  ~CursesScreen() { endwin(); }
};

}  // namespace

int run_monit(Session& session) {
  if (::isatty(STDOUT_FILENO) != 1 || ::isatty(STDIN_FILENO) != 1) {
    print_error("pmctl monit needs a terminal, and " + std::string(::isatty(STDOUT_FILENO) != 1 ? "stdout" : "stdin") +
                " is not one; use `pmctl list` (or `pmctl metrics`) from scripts");
    return kExitFailed;
  }
  json first;
  if (int rc = session.call("monit.subscribe", json{{"lines", kRecentLines}}, first); rc != kExitOk) return rc;
  MonitState state;
  for (const auto& record : first.value("logs", json::array())) state.add_log(record);
  first.erase("logs");
  state.apply_snapshot(std::move(first));

  std::setlocale(LC_ALL, "");
  CursesScreen screen;
  int exit_status = kExitOk;
  bool daemon_gone = false;
  for (bool running = true; running;) {
    draw(state);
    pollfd fds[2] = {{STDIN_FILENO, POLLIN, 0}, {session.fd(), POLLIN, 0}};
    int ready = ::poll(fds, daemon_gone ? 1 : 2, -1);
    if (ready < 0 && errno != EINTR) break;
    // Keys (and KEY_RESIZE, which ncurses queues on SIGWINCH).
    for (int key = getch(); key != ERR; key = getch()) {
      if (key == 'q' || key == 'Q' || key == 27)
        running = false;
      else if (key == KEY_UP || key == 'k')
        state.move_selection(-1);
      else if (key == KEY_DOWN || key == 'j')
        state.move_selection(1);
      else if (key == KEY_PPAGE)
        state.move_selection(-10);
      else if (key == KEY_NPAGE)
        state.move_selection(10);
      else if (key == KEY_HOME || key == 'g')
        state.move_selection(-1000000);
      else if (key == KEY_END || key == 'G')
        state.move_selection(1000000);
    }
    if (!daemon_gone && ready > 0 && (fds[1].revents & (POLLIN | POLLHUP | POLLERR))) {
      std::vector<rpc::Response> messages;
      if (!session.read_available(messages)) {
        daemon_gone = true;
        exit_status = kExitNoDaemon;
        state.notice = "the daemon went away (pmctl kill?): these are the last figures; q quits";
      }
      for (auto& m : messages) {
        if (!m.is_notification) continue;
        if (m.method == "monit.sample")
          state.apply_snapshot(std::move(m.params));
        else if (m.method == "log")
          state.add_log(m.params);
      }
    }
  }
  return exit_status;
}

}  // namespace pmd::cli
