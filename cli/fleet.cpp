// The fleet flags, the choice between relay and remote run, and the fan-out to several hosts.
#include "fleet.h"

#include "ecosystem_commands.h"
#include "fleet_output.h"
#include "list_sort.h"
#include "render.h"
#include "session.h"
#include "ssh_channel.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

extern char** environ;

namespace pmd::cli {

using nlohmann::json;

namespace {

std::variant<std::vector<RemoteHost>, std::string> hosts_from_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "cannot read the hosts file " + path + " (PMD_HOSTS): " + std::strerror(errno);
  std::ostringstream text;
  text << in.rdbuf();
  auto hosts = parse_host_list(text.str());
  if (auto* error = std::get_if<std::string>(&hosts)) return path + ": " + *error;
  return hosts;
}

bool is_rolling(const Command& command) { return command.name == "reload"; }

// How the outputs of several hosts are put together.
enum class Gather { kListTable, kMetrics, kLines, kSections };

Gather gather_for(const Command& command) {
  if (command.name == "list") return Gather::kListTable;
  if (command.name == "metrics") return Gather::kMetrics;
  if (command.name == "logs") return Gather::kLines;
  return Gather::kSections;
}

// One pmctl per host: this very binary with --host set to that one host.
struct HostRun {
  const RemoteHost* host = nullptr;
  std::string label;
  pid_t pid = -1;
  int out = -1;
  int err = -1;
  std::string out_text;  // all of it (kept), or what is not yet a whole line (printed live)
  std::string err_text;
  int status = -1;
};

std::string self_binary() {
  char path[4096];
  const ssize_t n = ::readlink("/proc/self/exe", path, sizeof path - 1);
  return n > 0 ? std::string(path, static_cast<std::size_t>(n)) : "pmctl";
}

bool spawn_run(HostRun& run, const std::vector<std::string>& words, std::string& error) {
  int out[2], err[2];
  if (::pipe2(out, O_CLOEXEC) != 0) {
    error = std::strerror(errno);
    return false;
  }
  if (::pipe2(err, O_CLOEXEC) != 0) {
    error = std::strerror(errno);
    ::close(out[0]);
    ::close(out[1]);
    return false;
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  // Several ssh processes reading one terminal would take each other's keystrokes.
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err[1], 2);
  const std::string self = self_binary();
  std::vector<std::string> argv = {"pmctl", "--host", run.host->label()};
  argv.insert(argv.end(), words.begin(), words.end());
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const int rc = ::posix_spawn(&run.pid, self.c_str(), &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  ::close(out[1]);
  ::close(err[1]);
  if (rc != 0) {
    error = std::string("cannot run ") + self + ": " + std::strerror(rc);
    ::close(out[0]);
    ::close(err[0]);
    run.pid = -1;
    return false;
  }
  run.out = out[0];
  run.err = err[0];
  return true;
}

void print_live(HostRun& run, const std::string& prefix, bool flush_all) {
  std::string text = take_prefixed_lines(run.out_text, prefix);
  if (flush_all && !run.out_text.empty()) text += prefix + std::exchange(run.out_text, {}) + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
  text = take_prefixed_lines(run.err_text, prefix);
  if (flush_all && !run.err_text.empty()) text += prefix + std::exchange(run.err_text, {}) + "\n";
  std::fwrite(text.data(), 1, text.size(), stderr);
}

// Runs `words` on every host, `limit` at a time; with `stop_at_failure`, no host starts after
// one failed. Lines are printed as they come with `live`, else kept in each run.
std::vector<HostRun> run_everywhere(const Fleet& fleet, const std::vector<std::string>& words, std::size_t limit,
                                    bool stop_at_failure, bool live,
                                    const std::function<void(const HostRun&)>& on_done = {}) {
  std::vector<HostRun> runs(fleet.hosts.size());
  std::size_t width = 0;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    runs[i].host = &fleet.hosts[i];
    runs[i].label = fleet.hosts[i].label();
    width = std::max(width, runs[i].label.size());
  }
  auto prefix = [&](const HostRun& r) { return r.label + std::string(width - r.label.size(), ' ') + " | "; };
  std::size_t next = 0;
  std::vector<HostRun*> running;
  bool failed = false;
  for (;;) {
    while (running.size() < limit && next < runs.size() && !(stop_at_failure && failed)) {
      HostRun& r = runs[next++];
      std::string error;
      if (!spawn_run(r, words, error)) {
        r.err_text = error + "\n";
        r.status = kExitFailed;
        failed = true;
        continue;
      }
      running.push_back(&r);
    }
    if (running.empty()) break;
    std::vector<pollfd> fds;
    std::vector<std::pair<HostRun*, bool>> owners;  // the run, and whether it is its stdout
    for (HostRun* r : running) {
      if (r->out >= 0) fds.push_back({r->out, POLLIN, 0}), owners.emplace_back(r, true);
      if (r->err >= 0) fds.push_back({r->err, POLLIN, 0}), owners.emplace_back(r, false);
    }
    if (!fds.empty() && ::poll(fds.data(), fds.size(), -1) < 0 && errno != EINTR) break;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      auto [r, is_out] = owners[i];
      char buf[16384];
      const ssize_t n = ::read(fds[i].fd, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        ::close(is_out ? std::exchange(r->out, -1) : std::exchange(r->err, -1));
        continue;
      }
      (is_out ? r->out_text : r->err_text).append(buf, static_cast<std::size_t>(n));
      if (live) print_live(*r, prefix(*r), false);
    }
    for (auto it = running.begin(); it != running.end();) {
      HostRun* r = *it;
      if (r->out >= 0 || r->err >= 0) {
        ++it;
        continue;
      }
      int status = 0;
      while (::waitpid(r->pid, &status, 0) < 0 && errno == EINTR) {
      }
      r->status = WIFEXITED(status) ? WEXITSTATUS(status) : kExitFailed;
      if (live) print_live(*r, prefix(*r), true);
      if (on_done) on_done(*r);
      failed = failed || r->status != kExitOk;
      it = running.erase(it);
    }
  }
  return runs;
}

// Says which hosts failed and which were left alone; the exit status of the whole.
int report(const std::vector<HostRun>& runs, const Command& command, bool rolling) {
  std::vector<std::string> failed, skipped;
  for (const auto& r : runs) {
    if (r.pid < 0 && r.status < 0)
      skipped.push_back(r.label);
    else if (r.status != kExitOk)
      failed.push_back(r.label + " (status " + std::to_string(r.status) + ")");
  }
  if (failed.empty()) return kExitOk;
  auto joined = [](const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ", ") + s;
    return out;
  };
  if (rolling)
    print_error(command.name + " stopped at " + joined(failed) +
                (skipped.empty() ? "" : "; not done on " + joined(skipped)));
  else
    print_error(command.name + " failed on " + joined(failed));
  return kExitFailed;
}

int gather_list(const Fleet& fleet, const Command& command, const CommandArgs& args, std::size_t limit) {
  auto runs = run_everywhere(fleet, {"list", "--json"}, limit, false, false);
  std::vector<std::pair<std::string, json>> lists;
  for (auto& r : runs) {
    if (r.status != kExitOk) {
      std::fputs(r.err_text.c_str(), stderr);
      continue;
    }
    auto parsed = json::parse(r.out_text, nullptr, false);
    if (parsed.is_discarded()) {
      print_error(r.label + ": the list it sent is not JSON");
      r.status = kExitFailed;
      continue;
    }
    lists.emplace_back(r.label, std::move(parsed));
  }
  json rows = merge_lists(lists);
  if (!args.sort.empty())
    if (auto error = sort_rows(rows, args.sort)) {
      print_error(*error);
      return kExitUsage;
    }
  if (args.json)
    std::cout << rows.dump() << "\n";
  else
    std::cout << render_list(rows, color_output());
  return report(runs, command, false);
}

int gather_metrics(const Fleet& fleet, const Command& command, const std::vector<std::string>& words,
                   std::size_t limit) {
  auto runs = run_everywhere(fleet, words, limit, false, false);
  std::vector<std::pair<std::string, std::string>> texts;
  for (const auto& r : runs) {
    if (r.status == kExitOk)
      texts.emplace_back(r.label, r.out_text);
    else
      std::fputs(r.err_text.c_str(), stderr);
  }
  std::cout << merge_metrics(texts);
  return report(runs, command, false);
}

int in_sections(const Fleet& fleet, const Command& command, const std::vector<std::string>& words, std::size_t limit,
                bool rolling) {
  // Each host's section as soon as it is done: a roll shows where it is.
  auto runs = run_everywhere(fleet, words, limit, rolling, false, [](const HostRun& r) {
    std::cout << "── " << r.label << " ──\n" << r.out_text;
    std::cout.flush();
    std::fputs(r.err_text.c_str(), stderr);
  });
  return report(runs, command, rolling);
}

}  // namespace

std::variant<std::optional<Fleet>, std::string> take_fleet_flags(std::vector<std::string>& words) {
  std::optional<std::string> list;
  int parallel = 0;
  for (auto it = words.begin(); it != words.end() && *it != "--";) {
    std::optional<std::string> value;
    const bool host_flag = *it == "--host" || *it == "-H";
    if (host_flag || *it == "--parallel-hosts") {
      if (it + 1 == words.end() || *(it + 1) == "--") return *it + " needs a value";
      value = *(it + 1);
      const bool is_host = host_flag;
      it = words.erase(it, it + 2);
      if (is_host) {
        list = list ? *list + "," + *value : *value;
      } else if (value->empty() || !std::all_of(value->begin(), value->end(), ::isdigit) || std::stoi(*value) < 1) {
        return "--parallel-hosts needs a number of hosts, 1 or more";
      } else {
        parallel = std::stoi(*value);
      }
      continue;
    }
    if (it->rfind("--host=", 0) == 0) {
      const std::string v = it->substr(7);
      list = list ? *list + "," + v : v;
      it = words.erase(it);
      continue;
    }
    ++it;
  }
  Fleet fleet;
  fleet.parallel = parallel;
  if (list) {
    auto hosts = parse_host_list(*list);
    if (auto* error = std::get_if<std::string>(&hosts)) return "--host: " + *error;
    fleet.hosts = std::move(std::get<std::vector<RemoteHost>>(hosts));
  } else if (const char* env = std::getenv("PMD_HOST"); env && *env) {
    auto hosts = parse_host_list(env);
    if (auto* error = std::get_if<std::string>(&hosts)) return "PMD_HOST: " + *error;
    fleet.hosts = std::move(std::get<std::vector<RemoteHost>>(hosts));
  } else if (const char* file = std::getenv("PMD_HOSTS"); file && *file) {
    auto hosts = hosts_from_file(file);
    if (auto* error = std::get_if<std::string>(&hosts)) return *error;
    fleet.hosts = std::move(std::get<std::vector<RemoteHost>>(hosts));
  } else {
    if (parallel) return std::string("--parallel-hosts goes with --host");
    return std::optional<Fleet>{};
  }
  return std::optional<Fleet>{std::move(fleet)};
}

bool runs_whole_on_host(const Command& command, const CommandArgs& args) {
  static const std::vector<std::string> whole = {"start",     "config", "init", "export", "startup",
                                                 "unstartup", "update", "kill", "version"};
  if (std::find(whole.begin(), whole.end(), command.name) != whole.end()) return true;
  const bool file_target = std::any_of(args.targets.begin(), args.targets.end(), is_ecosystem_argument);
  return file_target || args.update_env || !args.start.values.empty();
}

int run_on_fleet(const Fleet& fleet, const Command& command, CommandArgs& args, const std::vector<std::string>& words) {
  if (fleet.hosts.size() == 1) {
    if (runs_whole_on_host(command, args)) return run_on_host(fleet.hosts.front(), words, false);
    use_remote_host(fleet.hosts.front());
    return command.run(args);
  }
  if (command.name == "monit") {
    print_error("monit shows one host at a time: pick one with --host (list and logs -f take several)");
    return kExitUsage;
  }
  const bool rolling = is_rolling(command);
  const std::size_t limit = fleet.parallel > 0 ? static_cast<std::size_t>(fleet.parallel)
                            : rolling          ? 1
                                               : fleet.hosts.size();
  switch (gather_for(command)) {
    case Gather::kListTable: return gather_list(fleet, command, args, limit);
    case Gather::kMetrics: return gather_metrics(fleet, command, words, limit);
    case Gather::kLines: return report(run_everywhere(fleet, words, limit, false, true), command, false);
    case Gather::kSections: break;
  }
  return in_sections(fleet, command, words, limit, rolling);
}

}  // namespace pmd::cli
