// pmd: the daemon. Reads its flags, environment and settings file, becomes the one daemon of its
// PMD_HOME (or, with `pmd run`, a foreground container entry point), and serves.
#include "daemon_process.h"
#include "handover/holder_protocol.h"
#include "metrics_http.h"
#include "oom_protection.h"
#include "paths.h"
#include "pmd_version.h"
#include "process/spawner.h"
#include "run_apps.h"
#include "serve.h"
#include "settings.h"
#include "units.h"
#include "upgrade.h"

#include <spdlog/sinks/basic_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;

// A flag wins over its environment variable (which reaches a daemon that pmctl starts), which
// wins over the settings file.
std::string first_set(const std::string& flag, const char* variable, const std::optional<std::string>& setting) {
  if (!flag.empty()) return flag;
  if (const char* value = std::getenv(variable); value && *value) return value;
  return setting.value_or("");
}

bool env_true(const char* variable) {
  const char* v = std::getenv(variable);
  return v && (std::string_view(v) == "1" || std::string_view(v) == "true" || std::string_view(v) == "yes");
}

int usage_error(const std::string& message) {
  std::fprintf(stderr, "pmd: error: %s\n", message.c_str());
  return 2;
}

void setup_logging(const pmd::HomePaths& paths, bool foreground) {
  std::shared_ptr<spdlog::logger> logger;
  if (foreground)
    logger = spdlog::stderr_color_mt("pmd");
  else
    logger = spdlog::basic_logger_mt("pmd", paths.daemon_log.string());
  logger->set_pattern(foreground ? "%Y-%m-%d %H:%M:%S.%e pmd %^%l%$ %v" : pmd::kDaemonLogPattern);
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
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    int fd = std::atoi(entry.path().filename().c_str());
    if (fd > 2) ::fcntl(fd, F_SETFD, ::fcntl(fd, F_GETFD) | FD_CLOEXEC);
  }
}

// `pmd run` without a home: a private directory for its logs, removed however pmd leaves.
struct TemporaryHome {
  fs::path path;
  ~TemporaryHome() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// pmd.yaml, if present. Returns false (after printing why) when it cannot be used.
bool read_settings(const fs::path& file, pmd::Settings& settings, std::vector<std::string>& warnings) {
  std::ifstream in(file);
  if (!in) return true;
  std::ostringstream text;
  text << in.rdbuf();
  auto parsed = pmd::parse_settings(text.str(), file.string());
  if (!parsed.error.empty()) {
    std::fprintf(stderr, "pmd: error: %s (fix the file, or remove it to use the defaults)\n", parsed.error.c_str());
    return false;
  }
  settings = parsed.settings;
  warnings.insert(warnings.end(), parsed.warnings.begin(), parsed.warnings.end());
  return true;
}

// `pmd --upgrade`: asks the running daemon of this home to exec its binary again (SIGUSR2).
int ask_to_upgrade(const pmd::HomePaths& paths) {
  pid_t pid = 0;
  std::ifstream(paths.pid_file) >> pid;
  if (pid <= 0 || ::kill(pid, SIGUSR2) != 0) {
    std::fprintf(stderr, "pmd: error: no daemon runs for %s (no pid in %s)\n", paths.home.c_str(),
                 paths.pid_file.c_str());
    return 1;
  }
  std::printf("asked pmd (pid %d) to upgrade in place to %s; `pmctl version` shows when it has (see pmd.log)\n",
              static_cast<int>(pid), pmd::own_binary_path().c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // Asked by a running pmd before it execs this binary: can this one take over from it?
  if (argc == 2 && std::string_view(argv[1]) == "--handover-format") {
    std::printf("%d\n", pmd::handover::kFormat);
    return 0;
  }
  const std::vector<std::string> original_argv(argv, argv + argc);
  pmd::Inherited inherited = pmd::take_inherited();
  CLI::App cli{"pmd: the process manager daemon (drive it with pmctl)"};
  bool foreground = false, resurrect = false, autosave = false;
  std::string home_flag, sample_flag, metrics_flag, web_flag;
  cli.add_flag("--no-daemon,-f", foreground, "stay in the foreground and log to stderr");
  cli.add_option("--home", home_flag, "PMD_HOME to serve (default: $PMD_HOME, else ~/.pmd)");
  cli.add_flag("--resurrect", resurrect, "start the apps of the last `pmctl save` (PMD_HOME/dump.json) at once");
  cli.add_flag("--autosave", autosave,
               "save the apps after every change, as `pmctl save` (default: $PMD_AUTOSAVE, else "
               "`autosave:` in PMD_HOME/pmd.yaml, else off)");
  cli.add_option("--metrics", metrics_flag,
                 "also serve Prometheus metrics on http://ADDR/metrics, e.g. 127.0.0.1:9209 or :9209 (loopback) "
                 "(default: $PMD_METRICS, else `metrics:` in pmd.yaml, else off)");
  cli.add_option("--web", web_flag,
                 "also serve the web dashboard on http://ADDR/, e.g. 127.0.0.1:9615 (loopback; any other address "
                 "needs the token `pmctl web` shows) (default: $PMD_WEB, else `web:` in pmd.yaml, else off)");
  cli.add_option("--sample-interval", sample_flag,
                 "how often CPU and memory are sampled and memory limits checked, e.g. 1s, 500ms "
                 "(default: $PMD_SAMPLE_INTERVAL, else `sample_interval:` in pmd.yaml, else 1s)");
  bool upgrade = false;
  cli.add_flag("--upgrade", upgrade,
               "upgrade the running daemon of this home in place: it execs its binary again (as installed now) "
               "and keeps every app running; same as `pmctl update` or SIGUSR2");
  cli.set_version_flag("--version,-v", std::string("pmd ") + pmd::kVersion);

  pmd::RunRequest run;
  bool run_bare_lines = false;
  auto* run_cmd = cli.add_subcommand("run",
                                     "container mode (PM2's pm2-runtime): run an ecosystem file or a script in "
                                     "the foreground, app lines on stdout/stderr, exit when the apps are gone; "
                                     "fit to be PID 1");
  run_cmd->add_option("target", run.target, "ecosystem file, or script/program to run");
  run_cmd->add_option("--specs-fd", run.specs_fd, "read the apps as JSON specs from this fd (pmctl start --no-daemon)");
  run_cmd->add_option("args", run.args, "arguments for the script (after --)");
  run_cmd->add_option("--instances,-i", run.instances, "instances of the script: n, max, -n");
  run_cmd->add_option("--name,-n", run.name, "app name of the script");
  run_cmd->add_option("--env", run.env_name, "use env_<NAME> of the ecosystem file");
  run_cmd->add_option("--only", run.only, "only these apps of the ecosystem file")->delimiter(',');
  run_cmd->add_flag("--raw", run_bare_lines, "print app lines without the \"name-id | \" prefix");
  run_cmd->fallthrough();  // `pmd run app.js --home /srv/pmd --metrics :9209` as well as before `run`
  CLI11_PARSE(cli, argc, argv);
  const bool container = run_cmd->parsed();
  if (container && run.target.empty() && run.specs_fd < 0)
    return usage_error("pmd run: what to run? (an ecosystem file or a script)");
  // `pm2-runtime start ecosystem.config.js` is how PM2's docs spell it; take that form too.
  std::error_code exists_ec;
  if (container && run.target == "start" && !run.args.empty() && !fs::exists(run.target, exists_ec)) {
    run.target = run.args.front();
    run.args.erase(run.args.begin());
  }

  // PMD_HOME: `pmd run` serves a control socket only when given a home (flag or PMD_HOME);
  // without one it runs from a private temporary directory nobody else can reach.
  const char* home_variable = std::getenv("PMD_HOME");
  const bool serve_socket = !container || !home_flag.empty() || (home_variable && *home_variable);
  TemporaryHome temporary;
  fs::path home;
  if (!home_flag.empty())
    home = fs::absolute(home_flag);
  else if (serve_socket)
    home = pmd::default_home();
  else {
    const char* tmpdir = std::getenv("TMPDIR");
    std::string tmpl = std::string(tmpdir && *tmpdir ? tmpdir : "/tmp") + "/pmd-run-XXXXXX";
    if (!::mkdtemp(tmpl.data()))
      return usage_error("cannot create a temporary directory (" + tmpl + "); set PMD_HOME or TMPDIR");
    home = temporary.path = tmpl;
  }
  const auto paths = pmd::home_paths(home);
  for (const auto& check : {pmd::ensure_private_dir(paths.home), pmd::check_socket_path(paths.socket)}) {
    if (!check.empty()) {
      std::fprintf(stderr, "pmd: error: %s\n", check.c_str());
      return 1;
    }
  }

  pmd::ServeOptions options;
  options.paths = paths;
  options.serve_socket = serve_socket;
  pmd::Settings settings;
  if (!read_settings(paths.settings, settings, options.warnings)) return 2;
  if (upgrade) return ask_to_upgrade(paths);
  options.resurrect = resurrect;
  options.argv = original_argv;
  options.autosave =
      autosave || env_true("PMD_AUTOSAVE") || (!std::getenv("PMD_AUTOSAVE") && settings.autosave.value_or(false));
  if (auto text = first_set(sample_flag, "PMD_SAMPLE_INTERVAL", settings.sample_interval); !text.empty()) {
    auto parsed = pmd::units::parse_duration(text);
    if (!parsed || parsed->count() < 100 || parsed->count() > 60000)
      return usage_error("sample interval '" + text + "' is not a duration between 100ms and 60s (e.g. 1s, 500ms)");
    options.sample_interval = *parsed;
  }
  if (auto text = first_set(metrics_flag, "PMD_METRICS", settings.metrics); !text.empty()) {
    options.metrics = pmd::parse_http_address(text);
    if (!options.metrics)
      return usage_error("metrics address '" + text + "' is not HOST:PORT, [IPv6]:PORT or PORT (e.g. 127.0.0.1:9209)");
  }
  if (auto text = first_set(web_flag, "PMD_WEB", settings.web); !text.empty()) {
    options.web = pmd::parse_http_address(text);
    if (!options.web)
      return usage_error("web address '" + text + "' is not HOST:PORT, [IPv6]:PORT or PORT (e.g. 127.0.0.1:9615)");
  }
  if (container) {
    auto apps = pmd::apps_to_run(run);
    for (const auto& w : apps.warnings) std::fprintf(stderr, "pmd: warning: %s\n", w.c_str());
    for (const auto& e : apps.errors) std::fprintf(stderr, "pmd: error: %s\n", e.c_str());
    if (!apps.errors.empty()) {
      std::fprintf(stderr, "pmd: nothing was started\n");
      return 1;
    }
    options.container = true;
    options.run_apps = std::move(apps.apps);
    options.prefix_lines = !run_bare_lines;
    foreground = true;
  }

  // An upgrade's exec hands the locks over; otherwise they are taken here. The abstract name is
  // the guarantee that survives the home's files being deleted; the flock, that of a home shared
  // across network namespaces.
  int lock_fd = inherited.flock_fd, name_fd = inherited.name_fd;
  if (serve_socket && !inherited.present) {
    std::string error;
    name_fd = pmd::acquire_home_name(paths.home, paths.pid_file, error);
    const bool squatted = name_fd == -2;
    if (squatted) {
      options.warnings.push_back(error);
      name_fd = -1;
    }
    if (name_fd >= 0 || squatted) lock_fd = pmd::acquire_daemon_lock(paths.daemon_lock, paths.pid_file, error);
    if (lock_fd < 0) {
      std::fprintf(stderr, "pmd: error: %s\n", error.c_str());
      return pmd::kExitDaemonAlreadyRunning;
    }
  }
  // After an upgrade's exec this process already is the daemon: no second fork.
  int ready_fd = foreground || inherited.present ? -1 : pmd::daemonize();

  setup_logging(paths, foreground);
  mark_fds_cloexec();
  if (inherited.present)
    spdlog::info("pmd {} took over from pmd {} in place (pid {})", pmd::kVersion, inherited.from_version, ::getpid());
  const auto oom = pmd::protect_from_oom();
  spdlog::info("{}", oom.note);
  pmd::remember_child_oom_score(oom.original);
  options.inherited = inherited;
  options.flock_fd = lock_fd;
  options.name_fd = name_fd;
  if (auto e = pmd::ensure_private_dir(paths.logs_dir); !e.empty()) spdlog::warn("{}", e);
  std::signal(SIGPIPE, SIG_IGN);
  // Orphans of our apps (double forks) are re-parented to us, so they can be reaped and killed.
  // As PID 1 (a container) every orphan comes to us anyway, and is reaped the same way.
  ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  pmd::remember_child_rlimits();
  raise_fd_limit();

  int status = 1;
  try {
    status = pmd::serve(options, ready_fd);
  } catch (const std::exception& e) {
    spdlog::critical("pmd could not go on: {}", e.what());
    // A new image that cannot take over hands back to the binary it came from.
    if (inherited.present && inherited.previous_exe >= 0) {
      spdlog::critical("going back to the previous pmd binary");
      pmd::exec_image("the previous pmd binary", inherited.previous_exe, original_argv, inherited);
    }
  }
  if (lock_fd >= 0) ::close(lock_fd);
  if (name_fd >= 0) ::close(name_fd);
  return status;
}
