// serve(): the event loop and what runs on it.
#include "serve.h"
#include "loop/detached.h"

#include "daemon_process.h"
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
#include "write_fully.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <unistd.h>

#include <functional>

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

// Fires on a fixed cadence (not sleep-after-work), so the interval is what users configured.
void every(asio::steady_timer& timer, std::chrono::milliseconds interval, std::function<void()> work) {
  timer.expires_at(timer.expiry() + interval);
  if (timer.expiry() < std::chrono::steady_clock::now()) timer.expires_after(interval);  // fell behind: no burst
  timer.async_wait([&timer, interval, work](const boost::system::error_code& ec) {
    if (ec) return;
    work();
    every(timer, interval, work);
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

}  // namespace

int serve(const ServeOptions& options, int ready_fd) {
  const HomePaths& paths = options.paths;
  for (const auto& w : options.warnings) spdlog::warn("{}", w);
  auto notifier = ServiceNotifier::from_environment();

  asio::io_context io;
  ChildReaper reaper(io);
  Supervisor supervisor(io, reaper, paths);
  Monitor monitor(supervisor, options.sample_interval);
  MetricsHttpServer metrics(io, [&monitor] { return prometheus_text(monitor.snapshot()); });
  StateStore store(paths.dump);
  MethodTable methods;
  RpcServer rpc(io, methods);
  int exit_status = 0;

  auto close_and_stop = [&] {
    rpc.close();
    metrics.close();
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
  methods = make_method_table(supervisor, monitor, store, options.autosave, [&] {
    notifier.notify("STOPPING=1");
    close_and_stop();
  });

  auto fail = [&](const std::string& error) {
    spdlog::error("{}", error);
    report_ready(ready_fd, error);
    rpc.close();
    return 1;
  };
  if (options.serve_socket) {
    if (auto e = rpc.listen(paths.socket); !e.empty()) return fail(e);
  }
  if (options.metrics) {
    if (auto e = metrics.listen(*options.metrics); !e.empty()) return fail(e);
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
  asio::steady_timer sampler(io, std::chrono::steady_clock::now());
  every(sampler, monitor.interval(), [&] {
    monitor.tick();
    supervisor.retry_logs();
    if (options.container && !shutting_down) {
      if (auto status = container_exit_status(supervisor.describe("all"))) {
        spdlog::info("every app has exited; pmd exits with status {}", *status);
        shutdown(*status);
      }
    }
  });

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
        notifier.notify("READY=1\nSTATUS=supervising " + std::to_string(supervisor.list().size()) + " process(es)");
      },
      logged("resurrecting the saved apps", [&] { notifier.notify("READY=1\nSTATUS=resurrect failed; see pmd.log"); }));

  io.run();

  rpc.close();
  if (options.serve_socket) ::unlink(paths.pid_file.c_str());
  spdlog::info("pmd exited cleanly");
  return exit_status;
}

}  // namespace pmd
