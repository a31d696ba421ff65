// `pmd run`'s apps and exit status.
#include "run_apps.h"

#include <unistd.h>

#include <cerrno>

#include "ecosystem_file.h"
#include "signals.h"
#include "start_options.h"

#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <filesystem>

namespace pmd {

using nlohmann::json;
namespace fs = std::filesystem;

RunApps apps_to_run(const RunRequest& request) {
  RunApps out;
  const Env starter_env = config::current_environment();
  std::error_code ec;
  if (request.specs_fd >= 0) {
    // pmctl already normalized them with every start flag; read them as the daemon reads `start`.
    std::string text;
    char chunk[65536];
    for (ssize_t n; (n = ::read(request.specs_fd, chunk, sizeof chunk)) != 0;) {
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 || text.size() > (16u << 20)) {
        out.errors.push_back("cannot read the apps given by pmctl (--specs-fd)");
        break;
      }
      text.append(chunk, static_cast<std::size_t>(n));
    }
    ::close(request.specs_fd);
    const auto parsed = nlohmann::json::parse(text, nullptr, false);
    if (!parsed.is_array()) out.errors.push_back("the apps given by pmctl (--specs-fd) are not a JSON list");
    for (const auto& item : parsed.is_array() ? parsed : nlohmann::json::array()) {
      try {
        out.apps.push_back(app_spec_from_json(item));
      } catch (const std::exception& e) {
        out.errors.push_back(e.what());
      }
    }
  } else if (config::ecosystem_format(request.target) != config::EcosystemFormat::kNone &&
             fs::is_regular_file(request.target, ec)) {
    if (!request.instances.empty() || !request.name.empty() || !request.args.empty())
      out.errors.push_back(
          "-i, --name and arguments apply to a script; with an ecosystem file, set instances, name and "
          "args in the file");
    config::LoadOptions options;
    options.env_name = request.env_name;
    options.only = request.only;
    options.starter_env = starter_env;
    auto loaded = config::load_ecosystem(request.target, options);
    for (const auto& w : loaded.warnings) out.warnings.push_back(w.format());
    for (const auto& e : loaded.errors) out.errors.push_back(e.format());
    out.apps = std::move(loaded.apps);
  } else {
    if (!request.only.empty())
      out.errors.push_back("--only selects apps of an ecosystem file; " + request.target + " is not one");
    config::StartOptions options;
    options.script = request.target;
    options.args = request.args;
    options.env_name = request.env_name;
    if (!request.instances.empty()) options.values["instances"] = request.instances;
    if (!request.name.empty()) options.values["name"] = request.name;
    auto built =
        config::spec_from_start_options(options, config::Starter{starter_env, fs::current_path(ec)}, &out.warnings);
    if (auto* error = std::get_if<std::string>(&built))
      out.errors.push_back(*error);
    else
      out.apps.push_back(std::get<AppSpec>(std::move(built)));
  }
  for (auto& spec : out.apps) {
    if (spec.out_file.empty()) spec.out_file = "/dev/null";
    if (spec.error_file.empty()) spec.error_file = "/dev/null";
  }
  if (!out.errors.empty()) out.apps.clear();
  return out;
}

std::optional<int> container_exit_status(const json& instance_list) {
  std::optional<int> failure;
  for (const auto& inst : instance_list) {
    const std::string status = inst.value("status", "");
    if (status != "stopped" && status != "errored") return std::nullopt;
    if (failure) continue;
    const json last = inst.value("last_exit", json(nullptr));
    if (last.is_null()) {
      if (status == "errored") failure = 1;
      continue;
    }
    if (last["signal"].is_string()) {
      const int signo = parse_signal(last["signal"].get<std::string>()).value_or(0);
      // The signals a stop sends (kill_signal, then SIGKILL) end a clean stop; a crash by any
      // other signal (SIGSEGV, SIGABRT...) is a failure.
      const bool stop_signal =
          signo == SIGINT || signo == SIGTERM || signo == SIGKILL || signo == SIGHUP || signo == SIGQUIT;
      if (status == "errored" || !stop_signal) failure = 128 + signo;
    } else if (last["code"].is_number_integer() && last["code"].get<int>() != 0) {
      failure = last["code"].get<int>();
    }
  }
  return failure.value_or(0);
}

}  // namespace pmd
