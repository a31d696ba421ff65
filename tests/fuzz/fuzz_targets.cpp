// The fuzz targets' bodies; see fuzz_targets.h.
#include "fuzz_targets.h"

#include "app_normalizer.h"
#include "cron_expression.h"
#include "fleet_output.h"
#include "remote_host.h"

#include <chrono>
#include <cstdlib>
#include <ctime>
#include "app_spec.h"
#include "bounded_json.h"
#include "handover/holder_protocol.h"
#include "json_check.h"
#include "jsonrpc.h"
#include "lenient_json.h"
#include "web/usage_history.h"
#include "web/web_access.h"
#include "web/web_routes.h"

#include <algorithm>
#include <optional>
#include <set>
#include <stdexcept>
#include "line_framer.h"
#include "yaml_document.h"

#include <cstdlib>

namespace pmd::fuzz {

namespace {

// A broken invariant is a crash libFuzzer reports (and a unit test failure).
void require(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

void lenient_json(std::string_view input) { (void)config::parse_lenient_json(input); }

void yaml(std::string_view input) { (void)config::parse_yaml(std::string(input)); }

void normalizer(std::string_view input) {
  // The first byte picks the format, the rest is the file.
  if (input.empty()) return;
  const bool as_yaml = input.front() & 1;
  input.remove_prefix(1);
  auto parsed = as_yaml ? config::parse_yaml(std::string(input)) : config::parse_lenient_json(input);
  auto* root = std::get_if<config::Value>(&parsed);
  if (!root) return;
  config::NormalizeContext ctx;
  ctx.file = "fuzz.json";
  ctx.base_dir = "/nonexistent-fuzz-dir";  // no script resolves: nothing depends on the disk
  ctx.starter_env = {{"PATH", "/nonexistent-fuzz-dir"}};
  ctx.env_name = "production";
  ctx.usable_cpus = 2;
  auto out = config::normalize_document(*root, ctx, {});
  for (const auto& app : out.apps) {
    require(check_app_name(app.name).empty());
    require(app.instances >= 1 && app.instances <= kMaxInstances);
    (void)json_text(config::config_view(app));
  }
  for (const auto& d : out.errors) (void)d.format();
}

void line_framer(std::string_view input) {
  constexpr std::size_t kMax = 64;
  LineFramer framer(kMax);
  while (!input.empty()) {
    const std::size_t piece = std::min<std::size_t>(input.size(), 1 + static_cast<unsigned char>(input.front()) % 97);
    framer.feed(input.substr(0, piece));
    input.remove_prefix(piece);
    for (auto frame = framer.next(); frame.kind != LineFramer::Frame::Kind::kNone; frame = framer.next()) {
      require(frame.kind == LineFramer::Frame::Kind::kOversized || frame.line.size() <= kMax);
      require(frame.line.find('\n') == std::string::npos);
    }
  }
}

// A reply read with its result kept as text agrees with one parsed whole (pmctl's `list --json`).
void reply_kept_as_text(std::string_view input) {
  std::optional<rpc::Response> parsed, kept;
  try {
    parsed = rpc::parse_response(input);
  } catch (const rpc::Error&) {
  }
  try {
    kept = rpc::parse_response_keeping_text(std::string(input));
  } catch (const rpc::Error&) {
  }
  require(parsed.has_value() == kept.has_value());
  if (!parsed) return;
  require(parsed->ok == kept->ok && parsed->is_notification == kept->is_notification && parsed->id == kept->id);
  if (kept->ok) require(parse_json_bounded(kept->result_text).value == parsed->result);
}

void request(std::string_view input) {
  reply_kept_as_text(input);
  rpc::Request req;
  try {
    req = rpc::parse_request(input);
  } catch (const rpc::Error& e) {
    require(e.code() == rpc::kParseError || e.code() == rpc::kInvalidRequest || e.code() == rpc::kInvalidParams);
    return;
  }
  // What the method table reads from params, each a clean -32602 at worst.
  auto expect_params_error = [](auto&& read) {
    try {
      read();
    } catch (const rpc::Error& e) {
      require(e.code() == rpc::kInvalidParams);
    }
  };
  const auto& p = req.params;
  expect_params_error([&] { (void)rpc::optional_param(p, "force", false); });
  expect_params_error([&] { (void)rpc::optional_param(p, "mode", std::string()); });
  expect_params_error([&] { (void)rpc::optional_param(p, "parallel", 1); });
  expect_params_error([&] { (void)rpc::require_param(p, "target", nlohmann::json::value_t::string); });
  expect_params_error([&] { (void)rpc::require_param(p, "lines", nlohmann::json::value_t::number_integer); });
  expect_params_error([&] { (void)app_spec_from_json(p.contains("spec") ? p["spec"] : nlohmann::json()); });
  if (p.contains("specs") && p["specs"].is_array())
    for (const auto& s : p["specs"]) expect_params_error([&] { (void)to_json(app_spec_from_json(s)); });
  (void)rpc::encode_result(req.id, p);
}

void json_check(std::string_view input) { require(is_json_text(input) == nlohmann::json::accept(input)); }

void cron(std::string_view input) {
  // The first 4 bytes choose the starting time (any second from 1970 to 2106), the rest is the text.
  std::uint32_t seconds = 0;
  for (std::size_t i = 0; i < 4 && i < input.size(); ++i)
    seconds = (seconds << 8) | static_cast<unsigned char>(input[i]);
  const std::string_view text = input.size() > 4 ? input.substr(4) : std::string_view();
  auto parsed = parse_cron(text);
  if (auto* cron = std::get_if<CronExpression>(&parsed)) {
    auto at = std::chrono::system_clock::from_time_t(static_cast<std::time_t>(seconds));
    for (int i = 0; i < 3; ++i) {
      auto next = next_firing(*cron, at);
      if (!next) break;
      if (*next <= at) std::abort();  // the next firing is always strictly later
      at = *next;
    }
  }
}

void holder(std::string_view input) {
  if (auto h = handover::parse_header(input)) require(handover::parse_header(handover::format_header(*h)).has_value());
  if (input.empty()) return;
  const std::size_t capacity = static_cast<unsigned char>(input.front());
  std::string_view data = input.substr(1);
  handover::KeptOutput kept(capacity);
  for (std::string_view rest = data; !rest.empty();) {
    const std::size_t piece = std::min<std::size_t>(rest.size(), 1 + static_cast<unsigned char>(rest.front()) % 31);
    kept.feed(rest.substr(0, piece));
    rest.remove_prefix(piece);
  }
  const auto lines = [](std::string_view s) {
    return static_cast<std::uint64_t>(std::count(s.begin(), s.end(), '\n'));
  };
  if (kept.lost_lines() == 0) {
    require(kept.kept() == data);
    return;
  }
  // What is kept is the input's beginning, whole lines, within the bound; nothing else is lost.
  require(kept.kept().size() <= capacity);
  require(data.substr(0, kept.kept().size()) == kept.kept());
  require(kept.kept().empty() || kept.kept().back() == '\n');
  const bool unfinished = !data.empty() && data.back() != '\n';
  require(lines(data) + (unfinished ? 1 : 0) == lines(kept.kept()) + kept.lost_lines());
  require(kept.dropping_inside_line() == unfinished);
}

void hosts(std::string_view input) {
  // A hosts file or --host value: every host read reads back from its label, and never reaches
  // ssh as an option (the destination comes after `--` and cannot start with '-').
  auto parsed = cli::parse_host_list(input);
  if (auto* list = std::get_if<std::vector<cli::RemoteHost>>(&parsed)) {
    for (const auto& host : *list) {
      auto again = cli::parse_remote_host(host.label());
      require(std::holds_alternative<cli::RemoteHost>(again));
      require(std::get<cli::RemoteHost>(again).label() == host.label());
      require(!host.host.empty() && host.host.front() != '-');
      const auto argv = cli::ssh_argv(host, {}, "pmctl", {std::string(input)});
      require(argv[argv.size() - 2] == host.host && argv[argv.size() - 3] == "--");
    }
  }
  // A quoted word is either plain or one single-quoted string with each quote closed and reopened.
  const std::string quoted = cli::shell_quote(input);
  if (quoted.front() == '\'') {
    require(quoted.size() >= 2 && quoted.back() == '\'');
    std::string unquoted;
    for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
      if (quoted.compare(i, 4, "'\\''") == 0) {
        unquoted += '\'';
        i += 3;
        continue;
      }
      require(quoted[i] != '\'');
      unquoted += quoted[i];
    }
    require(unquoted == input);
  } else {
    require(quoted == input);
  }
  // Merging what hosts printed never loses a sample line.
  const std::string text(input);
  const std::string merged = cli::merge_metrics({{"a", text}, {"b", text}});
  std::size_t samples = 0;
  for (std::size_t at = 0; at < text.size();) {
    const auto nl = text.find('\n', at);
    const std::string line = text.substr(at, nl == std::string::npos ? std::string::npos : nl - at);
    if (!line.empty() && line.rfind("# ", 0) != 0) ++samples;
    at = nl == std::string::npos ? text.size() : nl + 1;
  }
  require(static_cast<std::size_t>(std::count(merged.begin(), merged.end(), '\n')) >= 2 * samples);
}

void web(std::string_view input) {
  // Lines: the target, a body, then the headers' values (Host, Origin, Sec-Fetch-Site,
  // Content-Type, Authorization), each possibly missing.
  std::vector<std::string> lines;
  for (std::size_t at = 0; at <= input.size();) {
    const auto nl = input.find('\n', at);
    lines.emplace_back(input.substr(at, nl == std::string_view::npos ? std::string_view::npos : nl - at));
    if (nl == std::string_view::npos) break;
    at = nl + 1;
  }
  lines.resize(std::max<std::size_t>(lines.size(), 7));
  std::optional<WebCall> call;
  try {
    call = route_request(lines[0], lines[1]);
  } catch (const std::invalid_argument& e) {
    require(std::string_view(e.what()).size() > 0);
  }
  static const std::set<std::string> kKnown = {"target", "lines", "span", "points", "parallel", "instances", "follow"};
  if (call) {
    require(call->params.is_object());
    for (const auto& [key, value] : call->params.items()) require(kKnown.count(key) == 1);
    require(call->params.contains("follow") == (call->route == WebRoute::kStream));
    if (call->route == WebRoute::kAction) require(call->params["target"].is_string());
  }
  const std::string token(64, '7');
  for (bool loopback : {true, false}) {
    WebRequestFacts f;
    f.method = "POST";
    f.route = WebRoute::kAction;
    f.host = lines[2];
    f.origin = lines[3];
    f.sec_fetch_site = lines[4];
    f.content_type = lines[5];
    f.authorization = lines[6];
    f.forwarded = !lines[0].empty() && lines[0][0] == 'F';
    auto verdict = judge_request(f, {loopback, 9615, token});
    if (f.authorization != "Bearer " + token) require(verdict.status != 0);
    f.method = "GET";
    f.route = WebRoute::kRead;
    verdict = judge_request(f, {loopback, 9615, token});
    if (!loopback && f.authorization != "Bearer " + token) require(verdict.status != 0);
  }
  // Samples at times and figures from the input: the rings stay in time order and bounded.
  InstanceHistory history;
  std::int64_t t = 1'700'000'000'000;
  for (std::size_t i = 0; i + 2 < input.size(); i += 3) {
    t += (static_cast<unsigned char>(input[i]) - 64) * 997;  // sometimes back in time
    history.add(t, static_cast<unsigned char>(input[i + 1]) * 3.7, static_cast<std::uint64_t>(input[i + 2]) << 24);
  }
  for (std::uint32_t span : {60u, 600u, 3600u}) {
    auto points = history.since(t, span);
    require(points.size() <= (span <= 600 ? InstanceHistory::kFinePoints : InstanceHistory::kCoarsePoints));
    for (std::size_t i = 1; i < points.size(); ++i) require(points[i - 1].unix_s <= points[i].unix_s);
  }
  require(history.bytes() <= InstanceHistory::kMaxBytes);
}

const std::vector<Target>& targets() {
  static const std::vector<Target> all = {{"lenient_json", lenient_json},
                                          {"yaml", yaml},
                                          {"normalizer", normalizer},
                                          {"line_framer", line_framer},
                                          {"request", request},
                                          {"cron", cron},
                                          {"holder", holder},
                                          {"json_check", json_check},
                                          {"hosts", hosts},
                                          {"web", web}};
  return all;
}

}  // namespace pmd::fuzz
