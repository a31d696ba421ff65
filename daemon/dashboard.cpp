// Turning the dashboard on, and its methods.
#include "dashboard.h"

#include "jsonrpc.h"
#include "web/dashboard_page.h"
#include "web/marker_rules.h"
#include "web/web_token.h"

#include <chrono>

namespace pmd {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

std::int64_t now_unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Dashboard::Dashboard(asio::io_context& io, const HomePaths& paths, Supervisor& supervisor, Monitor& monitor)
    : io_(io), paths_(paths), supervisor_(supervisor), monitor_(monitor), server_(io, paths.socket, dashboard_page()) {}

Dashboard::~Dashboard() {
  monitor_.keep_history(nullptr);
  supervisor_.observe_transitions(nullptr);
}

std::string Dashboard::start(const HttpAddress& address) {
  std::string error;
  std::string token = load_or_create_web_token(paths_.home / "web.token", error);
  if (token.empty()) return "cannot turn the dashboard on: " + error;
  if (auto e = server_.listen(address, token); !e.empty()) return e;
  token_ = std::move(token);
  supervisor_.keep_daemon_setting("web", server_.bound());  // a crash or an upgrade keeps it on
  history_ = std::make_unique<UsageHistory>();
  monitor_.keep_history(history_.get());
  supervisor_.observe_transitions([history = history_.get()](const Instance& instance, const Transition& t) {
    if (auto kind = marker_for(t.from, t.to, t.reason))
      history->add_marker(instance.app().spec.name,
                          {std::chrono::duration_cast<std::chrono::milliseconds>(t.at.time_since_epoch()).count(),
                           instance.identity().id, *kind, t.reason});
  });
  return {};
}

void Dashboard::close() { server_.close(); }

json Dashboard::info() const {
  if (!on()) return {{"on", false}};
  return {{"on", true},
          {"url", server_.url()},
          {"token", token_},
          {"loopback", server_.loopback()},
          {"history_bytes", history_ ? history_->bytes() : 0}};
}

void Dashboard::add_methods(MethodTable& table) {
  table["history"] = {
      "usage history of {target} (an app name, or all) over the last {span} seconds (default 600, at most 3600; "
      "1 s points up to 600, 10 s peaks beyond), at most {points} per instance (0: all), and the restarts, "
      "reloads, memory restarts and crashes seen; kept while the web dashboard is on",
      [this](const json& params, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
        if (!history_)
          throw rpc::Error(rpc::kInvalidParams,
                           "the dashboard is off: usage history is kept while it is on (pmctl web)");
        const std::string target = rpc::optional_param(params, "target", std::string("all"));
        const int span = rpc::optional_param(params, "span", 600);
        const int points = rpc::optional_param(params, "points", 0);
        if (span < 1 || span > 3600)
          throw rpc::Error(rpc::kInvalidParams, "invalid params: \"span\" must be 1 to 3600");
        if (points < 0) throw rpc::Error(rpc::kInvalidParams, "invalid params: \"points\" must be 0 or more");
        monitor_.looked_at();  // someone watches: samples every interval for the next minutes
        std::vector<std::string> wanted;
        if (target != "all") wanted.push_back(target);
        co_return history_->view(wanted, now_unix_ms(), static_cast<std::uint32_t>(span),
                                 static_cast<std::size_t>(points));
      }};
  table["web"] = {
      "the web dashboard: where it serves and its token; with {listen} (an address such as 127.0.0.1:9615), "
      "turns it on there if it is off",
      [this](const json& params, const std::shared_ptr<RpcConnection>&) -> asio::awaitable<json> {
        bool started = false;
        if (params.contains("listen") && !on()) {
          const std::string text = rpc::optional_param(params, "listen", std::string(kDefaultWebAddress));
          auto address = parse_http_address(text);
          if (!address)
            throw rpc::Error(rpc::kInvalidParams,
                             "web address '" + text + "' is not HOST:PORT, [IPv6]:PORT or PORT (e.g. 127.0.0.1:9615)");
          if (auto error = start(*address); !error.empty()) throw rpc::Error(rpc::kInvalidParams, error);
          started = true;
        }
        json result = info();
        result["started"] = started;
        co_return result;
      }};
}

}  // namespace pmd
