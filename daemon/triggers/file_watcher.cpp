#include "triggers/file_watcher.h"

#include <spdlog/spdlog.h>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <sys/inotify.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <unordered_map>

namespace pmd {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kEvents =
    IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_MOVED_TO | IN_ATTRIB | IN_DELETE_SELF | IN_MOVE_SELF;
// A burst ends after this much quiet; it is cut off after kLongestBurst so a tree that never
// stops changing still restarts the app.
constexpr std::chrono::milliseconds kSettle{200};
constexpr std::chrono::milliseconds kLongestBurst{5000};

}  // namespace

std::size_t kernel_watch_limit() {
  std::ifstream in("/proc/sys/fs/inotify/max_user_watches");
  std::size_t n = 0;
  return in >> n && n > 0 ? n : 8192;
}

struct FileWatcher::State : std::enable_shared_from_this<State> {
  State(asio::io_context& io, WatchPlan p, OnChange cb)
      : plan(std::move(p)), ignore(plan.rules), on_change(std::move(cb)), fd(io), timer(io) {}

  WatchPlan plan;
  IgnoreRules ignore;  // plan.rules, compiled once
  OnChange on_change;
  std::vector<char> buffer = std::vector<char>(64 * 1024);  // one read of events, reused
  asio::posix::stream_descriptor fd;
  asio::steady_timer timer;
  std::unordered_map<int, std::string> directories;  // wd -> path
  std::size_t limit = 0;
  std::string first_change;
  std::size_t events = 0;
  std::chrono::steady_clock::time_point burst_started{};
  bool closed = false;
  std::string problem;  // set when the tree outgrew the watch after the start

  const std::string& root_of(const std::string& path) const {
    for (const auto& r : plan.roots)
      if (path == r || (path.size() > r.size() && path.compare(0, r.size(), r) == 0 && path[r.size()] == '/')) return r;
    return plan.roots.front();
  }

  // Adds one watch; an error sentence when the kernel (or the bound) refuses.
  std::string add(const std::string& path) {
    if (directories.size() >= limit) return too_many(path);
    const int wd =
        ::inotify_add_watch(fd.native_handle(), path.c_str(),
                            kEvents | (plan.follow_symlinks ? 0u : static_cast<std::uint32_t>(IN_DONT_FOLLOW)));
    if (wd < 0) {
      if (errno == ENOSPC) return too_many(path);
      if (errno == ENOENT || errno == EACCES) return "";  // gone already, or not ours to read: skipped
      return "cannot watch " + path + ": " + std::strerror(errno);
    }
    directories[wd] = path;
    return "";
  }

  std::string too_many(const std::string& path) const {
    return "watch: the tree under " + root_of(path) + " needs more than " + std::to_string(limit) +
           " inotify watches (fs.inotify.max_user_watches" +
           (plan.max_watches > 0 ? std::string(", or PMD_MAX_WATCHES") : std::string()) +
           "); narrow watch or ignore_watch, or raise it: sysctl fs.inotify.max_user_watches=524288";
  }

  // Every directory under `top` that is not ignored, `top` included.
  std::string add_tree(const std::string& root, const std::string& top) {
    std::error_code ec;
    if (!fs::is_directory(top, ec)) return add(top);
    if (ignore.matches(root, top)) return "";
    if (auto e = add(top); !e.empty()) return e;
    auto options = fs::directory_options::skip_permission_denied;
    if (plan.follow_symlinks) options |= fs::directory_options::follow_directory_symlink;
    fs::recursive_directory_iterator it(top, options, ec), end;
    for (; !ec && it != end; it.increment(ec)) {
      const auto& entry = *it;
      std::error_code type_ec;
      const bool dir = plan.follow_symlinks ? entry.is_directory(type_ec)
                                            : entry.is_directory(type_ec) && !entry.is_symlink(type_ec);
      if (!dir) continue;
      if (ignore.matches(root, entry.path().string())) {
        it.disable_recursion_pending();
        continue;
      }
      if (auto e = add(entry.path().string()); !e.empty()) return e;
    }
    return "";
  }

  void changed(const std::string& path) {
    const auto now = std::chrono::steady_clock::now();
    if (events++ == 0) {
      first_change = path;
      burst_started = now;
    }
    // Fires after kSettle of quiet, but no earlier than watch_delay after the first change and no
    // later than kLongestBurst after it.
    auto at = std::max(now + kSettle, burst_started + plan.delay);
    at = std::min(at, burst_started + std::max<std::chrono::steady_clock::duration>(plan.delay, kLongestBurst));
    timer.expires_at(at);
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || self->closed) return;
      const std::string first = std::move(self->first_change);
      const std::size_t count = self->events;
      self->events = 0;
      self->on_change(first, count);
    });
  }

  void read() {
    // The buffer is the state's: the watcher closes the fd (cancelling this read) before the state goes.
    fd.async_read_some(asio::buffer(buffer),
                       [weak = weak_from_this()](const boost::system::error_code& ec, std::size_t n) {
                         auto self = weak.lock();
                         if (ec || !self || self->closed) return;
                         for (std::size_t at = 0; at + sizeof(inotify_event) <= n;) {
                           const auto* e = reinterpret_cast<const inotify_event*>(self->buffer.data() + at);
                           at += sizeof(inotify_event) + e->len;
                           self->on_event(*e);
                         }
                         self->read();
                       });
  }

  void on_event(const inotify_event& e) {
    if (e.mask & IN_Q_OVERFLOW) return changed(plan.roots.front());
    auto dir = directories.find(e.wd);
    if (dir == directories.end()) return;
    if (e.mask & IN_IGNORED) {
      directories.erase(dir);
      return;
    }
    const std::string base = dir->second;
    const std::string path = e.len > 0 ? base + "/" + e.name : base;
    const std::string& root = root_of(base);
    if (ignore.matches(root, path)) return;
    // A directory that appears is watched at once, with what it already holds.
    if ((e.mask & IN_ISDIR) && (e.mask & (IN_CREATE | IN_MOVED_TO)))
      if (auto error = add_tree(root, path); !error.empty() && problem.empty()) {
        // The tree grew past what may be watched: said in describe and pmd.log, never silent.
        problem = error + " (directories made after the start are no longer all watched)";
        spdlog::warn("{}", problem);
      }
    changed(path);
  }
};

std::variant<std::unique_ptr<FileWatcher>, std::string> FileWatcher::create(asio::io_context& io, WatchPlan plan,
                                                                            OnChange on_change) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0 && errno == EMFILE)
    return std::string(
        "watch: this user has as many inotify instances as fs.inotify.max_user_instances allows "
        "(pmd uses one per watched app); raise it: sysctl fs.inotify.max_user_instances=1024");
  if (fd < 0) return std::string("watch: inotify is not available: ") + std::strerror(errno);
  auto state = std::make_shared<State>(io, std::move(plan), std::move(on_change));
  state->fd.assign(fd);
  const std::size_t kernel = kernel_watch_limit();
  state->limit = state->plan.max_watches > 0 ? std::min(state->plan.max_watches, kernel) : kernel;
  for (const auto& root : state->plan.roots) {
    std::error_code ec;
    if (!fs::exists(root, ec)) return "watch: " + root + " does not exist";
    if (auto error = state->add_tree(root, root); !error.empty()) return error;
  }
  state->read();
  return std::unique_ptr<FileWatcher>(new FileWatcher(std::move(state)));
}

FileWatcher::FileWatcher(std::shared_ptr<State> state) : state_(std::move(state)) {}

FileWatcher::~FileWatcher() {
  state_->closed = true;
  boost::system::error_code ignored;
  state_->timer.cancel();
  state_->fd.close(ignored);
}

std::size_t FileWatcher::watched() const { return state_->directories.size(); }
const std::string& FileWatcher::problem() const { return state_->problem; }
const WatchPlan& FileWatcher::plan() const { return state_->plan; }

}  // namespace pmd
