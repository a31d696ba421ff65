// serve(): the event loop and what runs on it.
#include "serve.h"
#include "loop/detached.h"
#include "loop/directory_watch.h"
#include "loop/paced_timer.h"

#include "daemon_process.h"
#include "dashboard.h"
#include "jsonrpc.h"
#include "methods.h"
#include "monitor.h"
#include "persistence.h"
#include "pmd_version.h"
#include "process/child_reaper.h"
#include "prometheus_text.h"
#include "rpc/rpc_server.h"
#include "run_apps.h"
#include "service_notifier.h"
#include "signals.h"
#include "store/state_store.h"
#include "supervise/supervisor.h"
#include "upgrade.h"
#include "write_fully.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <functional>
#include <optional>

namespace pmd {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

// Runs `handler` for each delivery of the set's signals, for as long as the loop runs.
void on_every_signal(asio::signal_set& signals, std::function<void(int)> handler) {
  signals.async_wait([&signals, handler](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    handler(signo);
    on_every_signal(signals, handler);
  });
}

// Container mode: every app line on pmd's own stdout or stderr, whole, as the apps wrote them.
void print_line(const std::string& app, const LogRecord& record, bool prefix) {
  std::string line;
  if (prefix) {
    line += app;
    line += '-';
    line += std::to_string(record.id);
    line += " | ";
  }
  line += record.text;
  line += '\n';
  // A closed stdout loses nothing that matters: the files and `pmctl logs` still have the line.
  write_fully(record.is_stderr ? 2 : 1, line);
}

// The home was deleted or its socket replaced: make it again, so pmctl finds this daemon (the
// abstract name keeps any other pmd from starting meanwhile).
void recreate_home(const HomePaths& paths, RpcServer& rpc, Supervisor& supervisor, std::vector<int>& held_locks) {
  if (auto e = ensure_private_dir(paths.home); !e.empty()) {
    spdlog::error("PMD_HOME {} is gone and cannot be made again: {}", paths.home.string(), e);
    return;
  }
  ensure_private_dir(paths.logs_dir);
  if (auto e = rpc.relisten(); !e.empty()) {
    spdlog::error("{}", e);
    return;
  }
  write_pid_file(paths.pid_file);
  // A new pmd.lock, flock'ed; the old one (of a deleted file) stays held until exit.
  std::string ignored;
  if (int fd = acquire_daemon_lock(paths.daemon_lock, paths.pid_file, ignored); fd >= 0) held_locks.push_back(fd);
  // pmd.log was in the home too: the file sink opens it again.
  auto logger = spdlog::default_logger();
  for (auto& sink : logger->sinks()) {
    if (!std::dynamic_pointer_cast<spdlog::sinks::basic_file_sink_mt>(sink)) continue;
    try {
      sink = std::make_shared<spdlog::sinks::basic_file_sink_mt>(paths.daemon_log.string());
      logger->set_pattern(kDaemonLogPattern);
    } catch (const spdlog::spdlog_ex& e) {
      // Logging goes on into the deleted file; nothing else depends on it.
    }
  }
  supervisor.reopen_logs();
  spdlog::warn("PMD_HOME {} was deleted or its socket replaced; made its socket, pid file and lock again",
               paths.home.string());
}

}  // namespace

int serve(const ServeOptions& options, int ready_fd) {
  const HomePaths& paths = options.paths;
  for (const auto& w : options.warnings) spdlog::warn("{}", w);
  auto notifier = ServiceNotifier::from_environment();

  asio::io_context io;
  ChildReaper reaper(io);
  // The fd holder of this home: if one runs, a previous pmd left its apps there (it crashed, was
  // killed, or this image is its upgrade); they are taken back before anything else happens.
  // `pmd run` has none: in a container the apps end with pmd anyway.
  std::optional<handover::HolderLink> holder;
  std::vector<handover::TakenRecord> left_behind;
  if (options.serve_socket && !options.container) {
    holder.emplace(paths.home, handover::holder_binary_path());
    if (holder->connect_existing()) {
      std::string error;
      left_behind = holder->take(error);
      if (!error.empty()) spdlog::warn("fd holder: {}", error);
    }
  }
  std::string notify_address;
  int notify_fd = Supervisor::take_notify_fd(left_behind, notify_address);
  Supervisor supervisor(io, reaper, paths, notify_fd, notify_address);
  Monitor monitor(supervisor, options.sample_interval);
  MetricsHttpServer metrics(io, [&monitor] { return prometheus_text(monitor.snapshot()); });
  StateStore store(paths.dump);
  MethodTable methods;
  RpcServer rpc(io, methods);
  Dashboard dashboard(io, paths, supervisor, monitor);
  int exit_status = 0;
  std::optional<DirectoryWatch> home_watch;  // told when the socket may be gone
  std::optional<std::string> upgrade_to;     // set once an upgrade is decided: exec after the loop
  std::string adopted_summary;
  std::vector<int> held_locks;  // pmd.lock made again after the home was deleted
  const auto image_started = std::chrono::system_clock::now();

  auto close_and_stop = [&] {
    rpc.close();
    metrics.close();
    dashboard.close();
    io.stop();
  };
  bool shutting_down = false;
  auto shutdown = [&](int status) {
    if (shutting_down) return;
    shutting_down = true;
    exit_status = status;
    notifier.notify("STOPPING=1\nSTATUS=stopping every app");
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          spdlog::info("stopping every app before exiting");
          co_await supervisor.stop_all();
          close_and_stop();
        },
        logged("stopping every app", close_and_stop));
  };
  // An upgrade: try the binary, wait until no reload or scale is under way, answer, then leave
  // the loop (the exec happens after it, with everything handed to the holder).
  bool upgrading = false;
  auto upgrade = [&](std::string binary, std::shared_ptr<RpcConnection> connection) -> asio::awaitable<json> {
    if (upgrading) throw rpc::Error(rpc::kAppBusy, "an upgrade is already under way");
    if (!holder || !holder->connected())
      throw rpc::Error(rpc::kInternalError, "no fd holder runs, so the apps could not be handed over; nothing changed");
    if (auto why = probe_upgrade(binary); !why.empty()) throw rpc::Error(rpc::kInvalidParams, why);
    upgrading = true;
    asio::steady_timer pause(io);
    for (int i = 0; supervisor.any_busy(); ++i) {
      if (i == 1500) {
        upgrading = false;
        throw rpc::Error(rpc::kAppBusy, "a reload or scale has been under way for 30 s; try again when it ends");
      }
      pause.expires_after(std::chrono::milliseconds(20));
      co_await pause.async_wait(asio::use_awaitable);
    }
    spdlog::info("upgrading in place to {}", binary);
    notifier.notify("RELOADING=1\nSTATUS=upgrading in place");
    auto leave = [&io, &upgrade_to, binary] {
      upgrade_to = binary;
      io.stop();
    };
    if (connection) {
      connection->on_close(leave);
      connection->close_after_flush();
    } else {
      asio::post(io, leave);
    }
    co_return json{{"from", kVersion}, {"binary", binary}, {"pid", ::getpid()}};
  };
  // The ticks: every sampling interval while anything needs that pace, every quiet period at
  // rest (each wake-up has a cost, paid even by a daemon with nothing to do). What needs the pace
  // again hurries them: a client's request, a change in the home (its socket deleted?), a look
  // at the figures. A killed fd holder is told by its socket (Supervisor::watch_holder).
  PacedTimer ticks(io, monitor.interval(), [&] {
    monitor.tick();
    supervisor.retry_logs();
    supervisor.check_holder();
    if (options.serve_socket && !rpc.socket_file_is_ours()) recreate_home(paths, rpc, supervisor, held_locks);
    if (home_watch) home_watch->renew();
    if (options.container && !shutting_down) {
      if (auto status = container_exit_status(supervisor.describe("all"))) {
        spdlog::info("every app has exited; pmd exits with status {}", *status);
        shutdown(*status);
      }
    }
    const bool at_rest = !options.container && !monitor.needs_every_interval() && !supervisor.upkeep_pending() &&
                         (!home_watch || home_watch->active());
    return at_rest ? Monitor::kQuietTicks * monitor.interval() : monitor.interval();
  });
  methods = make_method_table(
      supervisor, monitor, store, options.autosave,
      [&] {
        notifier.notify("STOPPING=1");
        close_and_stop();
      },
      upgrade,
      [&] {
        return json{{"image_started_ms",
                     std::chrono::duration_cast<std::chrono::milliseconds>(image_started.time_since_epoch()).count()},
                    {"holder_pid", holder ? holder->holder_pid() : 0},
                    {"pace_ms", ticks.pace().count()},
                    {"at_rest", ticks.pace() > monitor.interval()},
                    {"adopted", adopted_summary}};
      });

  if (options.serve_socket) dashboard.add_methods(methods);  // it is a client of the socket

  auto fail = [&](const std::string& error) {
    spdlog::error("{}", error);
    report_ready(ready_fd, error);
    rpc.close();
    return 1;
  };
  if (options.serve_socket) {
    if (options.inherited.rpc_fd >= 0)
      rpc.adopt(options.inherited.rpc_fd, paths.socket);
    else if (auto e = rpc.listen(paths.socket); !e.empty())
      return fail(e);
  }
  // Before a fd holder is started: a pmd that cannot start must not leave one behind, holding
  // its notify socket and waiting for a next pmd that never comes.
  if (options.metrics) {
    if (auto e = metrics.listen(*options.metrics); !e.empty()) return fail(e);
  }
  if (options.web) {
    if (!options.serve_socket)
      return fail("the dashboard needs pmd's control socket, which `pmd run` without a home lacks");
    if (auto e = dashboard.start(*options.web); !e.empty()) return fail(e);
  } else if (auto kept = Supervisor::daemon_setting(left_behind, "web"); kept.is_string()) {
    // `pmctl web` turned it on in the pmd this one takes over from (crashed, killed, upgraded).
    if (auto address = parse_http_address(kept.get<std::string>())) {
      if (auto e = dashboard.start(*address); !e.empty()) spdlog::warn("the dashboard stays off: {}", e);
    }
  }
  if (holder) {
    if (!left_behind.empty()) {
      const std::string how = options.inherited.present ? "upgrade" : "restart after the previous pmd ended";
      adopted_summary = supervisor.adopt(left_behind, how) + " (" + how + ")";
      spdlog::info("adopted from the fd holder: {}", adopted_summary);
    } else if (!holder->connected()) {
      if (auto e = holder->start(); !e.empty()) spdlog::warn("{}; apps will not survive a crash of pmd", e);
    }
    supervisor.keep_in(&*holder);
  }
  if (options.serve_socket) write_pid_file(paths.pid_file);

  if (options.container) {
    supervisor.echo_logs(
        [prefix = options.prefix_lines](const std::string& app, const LogRecord& r) { print_line(app, r, prefix); });
    for (const auto& spec : options.run_apps) {
      try {
        supervisor.start(spec);
      } catch (const rpc::Error& e) {
        std::string error = e.what();
        // Nothing half-started: the apps already running are stopped before exiting.
        asio::co_spawn(
            io,
            [&]() -> asio::awaitable<void> {
              co_await supervisor.stop_all();
              io.stop();
            },
            logged("stopping the apps already started", [&io] { io.stop(); }));
        io.run();
        return fail(error);
      }
    }
  }

  asio::signal_set stop_signals(io, SIGTERM, SIGINT, SIGHUP);
  on_every_signal(stop_signals, [&](int signo) {
    spdlog::info("received {}", signal_name(signo));
    shutdown(0);
  });
  // SIGUSR1: reopen log files, as after logrotate (`pmctl reloadLogs` does the same).
  asio::signal_set reopen_signal(io, SIGUSR1);
  on_every_signal(reopen_signal, [&](int) { supervisor.reopen_logs(); });
  // SIGUSR2: upgrade in place to the binary at this one's path (as a package manager replaced it).
  asio::signal_set upgrade_signal(io, SIGUSR2);
  on_every_signal(upgrade_signal, [&](int) {
    if (options.container) return;
    asio::co_spawn(
        io,
        [&]() -> asio::awaitable<void> {
          try {
            co_await upgrade(own_binary_path(), nullptr);
          } catch (const rpc::Error& e) {
            spdlog::error("upgrade refused: {}", e.what());
          }
        },
        logged("upgrading in place"));
  });
  if (options.serve_socket) home_watch.emplace(io, paths.socket.parent_path(), [&ticks] { ticks.hurry(); });
  monitor.on_look([&ticks] { ticks.hurry(); });
  rpc.on_request([&ticks] { ticks.hurry(); });
  supervisor.on_upkeep_needed([&ticks] { ticks.hurry(); });
  ticks.start();

  if (options.serve_socket)
    spdlog::info("pmd {} serving {} (pid {})", kVersion, paths.socket.string(), ::getpid());
  else
    spdlog::info("pmd {} running {} app(s) (pid {}, no control socket)", kVersion, options.run_apps.size(), ::getpid());
  report_ready(ready_fd, {});

  // The service manager hears READY=1 only once the socket serves and the saved apps are back.
  asio::co_spawn(
      io,
      [&]() -> asio::awaitable<void> {
        if (options.resurrect) {
          try {
            json result = co_await resurrect_apps(supervisor, store, true);
            std::size_t failed = 0;
            for (const auto& row : result["apps"]) failed += row.value("action", "") == "failed";
            if (failed > 0) spdlog::error("resurrect: {} of {} app(s) failed to start", failed, result["apps"].size());
            if (result.value("missing", false))
              spdlog::info("nothing to resurrect: no dump yet (save the apps with `pmctl save`)");
          } catch (const rpc::Error& e) {
            spdlog::error("resurrect: {}", e.what());
          }
        }
        ticks.hurry();  // the apps just resurrected may have memory limits to enforce
        notifier.notify("READY=1\nSTATUS=supervising " + std::to_string(supervisor.list().size()) + " process(es)");
      },
      logged("resurrecting the saved apps", [&] { notifier.notify("READY=1\nSTATUS=resurrect failed; see pmd.log"); }));

  for (;;) {
    io.run();
    if (!upgrade_to) break;
    // No new client (they wait in the backlog for the next image), and every output reader
    // writes what it already read and stops; the rest stays in the pipes. Then everything of the
    // apps to the holder, partial lines included, and the next image.
    rpc.pause_accepting();
    supervisor.park_output();
    io.restart();
    const auto parking_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
    while (!supervisor.output_parked() && std::chrono::steady_clock::now() < parking_deadline)
      io.run_one_for(std::chrono::milliseconds(10));
    supervisor.hand_over_everything();
    Inherited crossing{
        true,    options.flock_fd, options.name_fd, rpc.native_handle(), ::open("/proc/self/exe", O_RDONLY | O_CLOEXEC),
        kVersion};
    std::string why = exec_image(*upgrade_to, -1, options.argv, crossing);
    if (crossing.previous_exe >= 0) ::close(crossing.previous_exe);
    spdlog::error("upgrade failed, this pmd goes on: {}", why);
    upgrade_to.reset();
    upgrading = false;
    io.restart();
    rpc.resume_accepting();
    supervisor.resume_output();
  }

  rpc.close();
  if (holder) {
    supervisor.keep_in(nullptr);
    holder->bye();  // every app is stopped: nothing left to keep
  }
  if (options.serve_socket) ::unlink(paths.pid_file.c_str());
  spdlog::info("pmd exited cleanly");
  return exit_status;
}

}  // namespace pmd
