// pmd: the daemon. Parses its flags, becomes the one daemon of its PMD_HOME, and runs the loop.
#include "child_reaper.h"
#include "daemon_process.h"
#include "methods.h"
#include "metrics_http.h"
#include "monitor.h"
#include "paths.h"
#include "prometheus_text.h"
#include "pmd_version.h"
#include "rpc_server.h"
#include "spawner.h"
#include "supervisor.h"
#include "units.h"

#include <CLI/CLI.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <optional>

namespace asio = boost::asio;

namespace {

// A flag wins over its environment variable (which reaches a daemon that pmctl starts).
std::string flag_or_env(const std::string& flag, const char* variable) {
  if (!flag.empty()) return flag;
  const char* value = std::getenv(variable);
  return value ? value : "";
}

void setup_logging(const pmd::HomePaths& paths, bool foreground) {
  std::shared_ptr<spdlog::logger> logger;
  if (foreground) logger = spdlog::stderr_color_mt("pmd");
  else logger = spdlog::basic_logger_mt("pmd", paths.daemon_log.string());
  logger->set_pattern("%Y-%m-%d %H:%M:%S.%e %^%l%$ %v");
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);
}

// The daemon supervises many processes with two pipes each: lift its own soft fd limit to the
// hard one. Apps get the original limit back in the spawner.
void raise_fd_limit() {
  rlimit lim{};
  if (::getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// Libraries may open files without O_CLOEXEC (spdlog's log file does): mark every fd the daemon
// holds now, so none can reach an app even if the spawner's own guard were missing.
void mark_fds_cloexec() {
  for (const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) {
    int fd = std::atoi(entry.path().filename().c_str());
    if (fd > 2) ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
  }
}

// Runs `handler` for each delivery of the set's signals, for as long as the loop runs.
void on_every_signal(asio::signal_set& signals, std::function<void(int)> handler) {
  signals.async_wait([&signals, handler](const boost::system::error_code& ec, int signo) {
    if (ec) return;
    handler(signo);
    on_every_signal(signals, handler);
  });
}

// Samples on a fixed cadence (not sleep-after-work), so the interval is what users configured.
void arm_sampler(asio::steady_timer& timer, pmd::Monitor& monitor, pmd::Supervisor& supervisor) {
  const auto interval = monitor.interval();
  timer.expires_at(timer.expiry() + interval);
  if (timer.expiry() < std::chrono::steady_clock::now()) timer.expires_after(interval);  // fell behind: no burst
  timer.async_wait([&timer, &monitor, &supervisor](const boost::system::error_code& ec) {
    if (ec) return;
    monitor.tick();
    supervisor.retry_logs();
    arm_sampler(timer, monitor, supervisor);
  });
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"pmd: the process manager daemon (drive it with pmctl)"};
  bool foreground = false;
  std::string home_flag;
  cli.add_flag("--no-daemon,-f", foreground, "stay in the foreground and log to stderr");
  cli.add_option("--home", home_flag, "PMD_HOME to serve (default: $PMD_HOME, else ~/.pmd)");
  std::string sample_flag, metrics_flag;
  cli.add_option("--metrics", metrics_flag,
                 "also serve Prometheus metrics on http://ADDR/metrics, e.g. 127.0.0.1:9209 or :9209 (loopback) "
                 "(default: $PMD_METRICS, else off)");
  cli.add_option("--sample-interval", sample_flag,
                 "how often CPU and memory are sampled and memory limits checked, e.g. 1s, 500ms "
                 "(default: $PMD_SAMPLE_INTERVAL, else 1s)");
  cli.set_version_flag("--version,-v", std::string("pmd ") + pmd::kVersion);
  CLI11_PARSE(cli, argc, argv);

  std::chrono::milliseconds sample_interval{1000};
  sample_flag = flag_or_env(sample_flag, "PMD_SAMPLE_INTERVAL");
  if (!sample_flag.empty()) {
    auto parsed = pmd::units::parse_duration(sample_flag);
    if (!parsed || parsed->count() < 100 || parsed->count() > 60000) {
      std::fprintf(stderr, "pmd: error: sample interval '%s' is not a duration between 100ms and 60s (e.g. 1s, 500ms)\n",
                   sample_flag.c_str());
      return 2;
    }
    sample_interval = *parsed;
  }
  metrics_flag = flag_or_env(metrics_flag, "PMD_METRICS");
  std::optional<pmd::HttpAddress> metrics_address;
  if (!metrics_flag.empty()) {
    metrics_address = pmd::parse_http_address(metrics_flag);
    if (!metrics_address) {
      std::fprintf(stderr, "pmd: error: metrics address '%s' is not HOST:PORT, [IPv6]:PORT or PORT (e.g. 127.0.0.1:9209)\n",
                   metrics_flag.c_str());
      return 2;
    }
  }
  const auto home = home_flag.empty() ? pmd::default_home() : std::filesystem::absolute(home_flag);
  const auto paths = pmd::home_paths(home);
  for (const auto& check : {pmd::ensure_private_dir(paths.home), pmd::check_socket_path(paths.socket)}) {
    if (!check.empty()) {
      std::fprintf(stderr, "pmd: error: %s\n", check.c_str());
      return 1;
    }
  }
  std::string error;
  int lock_fd = pmd::acquire_daemon_lock(paths.daemon_lock, paths.pid_file, error);
  if (lock_fd < 0) {
    std::fprintf(stderr, "pmd: error: %s\n", error.c_str());
    return pmd::kExitDaemonAlreadyRunning;
  }
  int ready_fd = foreground ? -1 : pmd::daemonize();

  setup_logging(paths, foreground);
  mark_fds_cloexec();
  if (auto e = pmd::ensure_private_dir(paths.logs_dir); !e.empty()) spdlog::warn("{}", e);
  std::signal(SIGPIPE, SIG_IGN);
  // Orphans of our apps (double forks) are re-parented to us, so they can be reaped and killed.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  pmd::remember_child_rlimits();
  raise_fd_limit();

  asio::io_context io;
  pmd::ChildReaper reaper(io);
  pmd::Supervisor supervisor(io, reaper, paths);
  pmd::Monitor monitor(supervisor, sample_interval);
  pmd::MetricsHttpServer metrics(io, [&monitor] { return pmd::prometheus_text(monitor.snapshot()); });
  pmd::MethodTable methods;
  pmd::RpcServer rpc(io, methods);
  bool shutting_down = false;
  auto shutdown = [&] {
    if (shutting_down) return;
    shutting_down = true;
    asio::co_spawn(io, [&]() -> asio::awaitable<void> {
      spdlog::info("stopping every app before exiting");
      co_await supervisor.stop_all();
      rpc.close();
      metrics.close();
      io.stop();
    }, asio::detached);
  };
  methods = pmd::make_method_table(supervisor, monitor, [&] {
    rpc.close();
    metrics.close();
    io.stop();
  });
  if (auto e = rpc.listen(paths.socket); !e.empty()) {
    spdlog::error("{}", e);
    pmd::report_ready(ready_fd, e);
    return 1;
  }
  if (metrics_address) {
    if (auto e = metrics.listen(*metrics_address); !e.empty()) {
      spdlog::error("{}", e);
      pmd::report_ready(ready_fd, e);
      rpc.close();
      return 1;
    }
  }
  pmd::write_pid_file(paths.pid_file);

  asio::signal_set stop_signals(io, SIGTERM, SIGINT, SIGHUP);
  on_every_signal(stop_signals, [&](int signo) {
    spdlog::info("received {}", signo == SIGTERM ? "SIGTERM" : signo == SIGINT ? "SIGINT" : "SIGHUP");
    shutdown();
  });
  // SIGUSR1: reopen log files, as after logrotate (`pmctl reloadLogs` does the same).
  asio::signal_set reopen_signal(io, SIGUSR1);
  on_every_signal(reopen_signal, [&](int) { supervisor.reopen_logs(); });
  asio::steady_timer sampler(io, std::chrono::steady_clock::now());
  arm_sampler(sampler, monitor, supervisor);

  spdlog::info("pmd {} serving {} (pid {})", pmd::kVersion, paths.socket.string(), ::getpid());
  pmd::report_ready(ready_fd, {});
  io.run();

  rpc.close();
  ::unlink(paths.pid_file.c_str());
  spdlog::info("pmd exited cleanly");
  ::close(lock_fd);
  return 0;
}
