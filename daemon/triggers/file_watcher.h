// watch: inotify over the app's trees, on the daemon's loop. Every directory under the roots is
// watched (new ones as they appear), ignored paths are skipped (watch_rules.h), and a burst of
// changes (a `git pull`) becomes one call once the tree has been quiet for a moment, naming the
// first file that changed. A tree larger than the kernel lets one user watch is an error up
// front, never a silent partial watch.
#pragma once

#include "triggers/watch_rules.h"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

namespace pmd {

struct WatchPlan {
  std::vector<std::string> roots;  // absolute: directories (watched recursively) or files
  WatchRules rules;
  bool follow_symlinks = false;
  std::chrono::milliseconds delay{0};  // watch_delay: at least this long after the first change
  std::size_t max_watches = 0;         // 0: what fs.inotify.max_user_watches allows
};

class FileWatcher {
 public:
  /// Called once per burst: the first path that changed, and how many events the burst held.
  using OnChange = std::function<void(const std::string& path, std::size_t events)>;

  /// Watches everything `plan` names, or says why it cannot (a root missing, too many directories).
  static std::variant<std::unique_ptr<FileWatcher>, std::string> create(boost::asio::io_context& io, WatchPlan plan,
                                                                        OnChange on_change);
  ~FileWatcher();
  FileWatcher(const FileWatcher&) = delete;
  FileWatcher& operator=(const FileWatcher&) = delete;

  std::size_t watched() const;
  /// Why part of the tree is not watched (it grew past the bound after the start); "" if all is.
  const std::string& problem() const;
  const WatchPlan& plan() const;

 private:
  struct State;
  explicit FileWatcher(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

/// fs.inotify.max_user_watches, or a conservative 8192 when it cannot be read.
std::size_t kernel_watch_limit();

}  // namespace pmd
