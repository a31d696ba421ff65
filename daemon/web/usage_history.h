// What the dashboard charts: per instance, a bounded ring of CPU and memory samples at two
// resolutions (one point a second for 10 minutes, the peak of every 10 s for an hour), and per
// app the last events worth a marker (restarts, reloads, memory restarts, crashes). Pure: the
// monitor feeds it samples with their time, the supervisor its transitions. Allocated only while
// the web dashboard is on, and each ring grows only as samples come (pmd at rest samples twice a
// minute, so an unwatched instance holds 20 fine points, not 600).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <vector>

namespace pmd {

/// One point: 12 bytes. Seconds since the Unix epoch fit 32 bits until 2106; memory in KiB up to
/// 4 TiB; CPU in tenths of a percent of one core up to 6,553 % (65 cores busy). (Not packed to
/// 10: a reference to a misaligned member is undefined behaviour, and UBSan says so.)
struct UsagePoint {
  std::uint32_t unix_s = 0;
  std::uint32_t memory_kib = 0;
  std::uint16_t cpu_tenths = 0;
};
static_assert(sizeof(UsagePoint) == 12);

/// A ring of points in time order: at most `capacity`, none older than `window_s` before the
/// newest. Its storage grows as points come and shrinks as they age out, so an instance sampled
/// at pmd's resting pace (every 30 s) costs a few dozen points, not `capacity`.
class UsageRing {
 public:
  UsageRing(std::size_t capacity, std::uint32_t step_s, std::uint32_t window_s)
      : capacity_(capacity), step_s_(step_s), window_s_(window_s) {}
  /// Adds a point; one in the same step as the last one merges into it, keeping the peak of each
  /// figure (and the later time).
  void add(const UsagePoint& point);
  std::size_t size() const { return count_; }
  /// Oldest first.
  std::vector<UsagePoint> points() const;
  std::size_t bytes() const { return storage_.capacity() * sizeof(UsagePoint); }

 private:
  const UsagePoint& at(std::size_t i) const { return storage_[(start_ + i) % storage_.size()]; }
  /// Moves the points to the front of a storage of `size` slots.
  void resize_storage(std::size_t size);

  std::size_t capacity_;
  std::uint32_t step_s_;
  std::uint32_t window_s_;
  std::vector<UsagePoint> storage_;
  std::size_t start_ = 0;  // where the oldest point is
  std::size_t count_ = 0;
};

class InstanceHistory {
 public:
  static constexpr std::size_t kFinePoints = 600;    // 1 s for 10 minutes
  static constexpr std::size_t kCoarsePoints = 360;  // 10 s for an hour
  /// The most an instance's history can hold: (600 + 360) × 12 bytes.
  static constexpr std::size_t kMaxBytes = (kFinePoints + kCoarsePoints) * sizeof(UsagePoint);

  void add(std::int64_t unix_ms, double cpu_percent, std::uint64_t memory_bytes);
  /// Points within the last `span_s` seconds before `now_ms`: the fine ring for up to 10
  /// minutes, the coarse one beyond.
  std::vector<UsagePoint> since(std::int64_t now_ms, std::uint32_t span_s) const;
  std::int64_t last_ms() const { return last_ms_; }
  std::size_t bytes() const { return fine_.bytes() + coarse_.bytes(); }

 private:
  UsageRing fine_{kFinePoints, 1, 600};
  UsageRing coarse_{kCoarsePoints, 10, 3600};
  std::int64_t last_ms_ = 0;
};

/// What a marker on a chart says happened to an instance.
enum class MarkerKind { kStart, kRestart, kReload, kMemoryRestart, kCrash, kStop };
const char* marker_kind_name(MarkerKind kind);

struct Marker {
  std::int64_t unix_ms = 0;
  int id = 0;
  MarkerKind kind = MarkerKind::kRestart;
  std::string reason;
};

class UsageHistory {
 public:
  static constexpr std::size_t kMarkersPerApp = 200;
  /// An app or instance not sampled for an hour is forgotten (deleted, or scaled down).
  static constexpr std::int64_t kForgetAfterMs = 3600 * 1000;

  void add_sample(const std::string& app, int id, std::int64_t unix_ms, double cpu_percent, std::uint64_t memory_bytes);
  void add_marker(const std::string& app, Marker marker);
  /// Drops what was not sampled within kForgetAfterMs of `now_ms`.
  void forget_stale(std::int64_t now_ms);

  /// {now, span_s, apps: {name: {instances: [{id, points: [[unix_ms, cpu %, memory bytes]...]}],
  /// markers: [{at, id, kind, reason}]}}} for the apps `wanted` names (all when empty), points
  /// thinned to at most `max_points` per instance (each kept point the peak of those it stands
  /// for).
  nlohmann::json view(const std::vector<std::string>& wanted, std::int64_t now_ms, std::uint32_t span_s,
                      std::size_t max_points) const;
  /// Bytes the rings hold now (the markers' reasons aside).
  std::size_t bytes() const;

 private:
  struct AppHistory {
    std::map<int, InstanceHistory> instances;
    std::deque<Marker> markers;
  };
  std::map<std::string, AppHistory> apps_;
};

/// Peaks of `points` in at most `max_points` consecutive groups (0: no thinning).
std::vector<UsagePoint> thin_points(const std::vector<UsagePoint>& points, std::size_t max_points);

}  // namespace pmd
