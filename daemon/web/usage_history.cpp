// The rings, their thinning and their JSON.
#include "web/usage_history.h"

#include <algorithm>
#include <cmath>

namespace pmd {

using nlohmann::json;

namespace {

UsagePoint peak_of(const UsagePoint& a, const UsagePoint& b) {
  return {std::max(a.unix_s, b.unix_s), std::max(a.memory_kib, b.memory_kib), std::max(a.cpu_tenths, b.cpu_tenths)};
}

}  // namespace

void UsageRing::resize_storage(std::size_t size) {
  std::vector<UsagePoint> moved;
  moved.reserve(size);
  for (std::size_t i = 0; i < count_; ++i) moved.push_back(at(i));
  moved.resize(size);
  storage_ = std::move(moved);
  start_ = 0;
}

void UsageRing::add(const UsagePoint& point) {
  if (count_ > 0) {
    UsagePoint& last = storage_[(start_ + count_ - 1) % storage_.size()];
    if (point.unix_s / step_s_ == last.unix_s / step_s_) {
      last = peak_of(last, point);
      return;
    }
    if (point.unix_s < last.unix_s) return;  // the clock went back: keep the ring in time order
  }
  // What fell out of the window goes, and the storage shrinks when mostly empty.
  while (count_ > 0 && at(0).unix_s + window_s_ < point.unix_s) {
    start_ = (start_ + 1) % storage_.size();
    --count_;
  }
  if (storage_.size() > 16 && count_ * 4 <= storage_.size()) resize_storage(std::max<std::size_t>(16, count_ * 2));
  if (count_ == storage_.size()) {
    if (storage_.size() < capacity_) {
      resize_storage(std::min(capacity_, std::max<std::size_t>(16, 2 * storage_.size())));
    } else {  // full: the oldest point makes room
      start_ = (start_ + 1) % storage_.size();
      --count_;
    }
  }
  storage_[(start_ + count_) % storage_.size()] = point;
  ++count_;
}

std::vector<UsagePoint> UsageRing::points() const {
  std::vector<UsagePoint> out;
  out.reserve(count_);
  for (std::size_t i = 0; i < count_; ++i) out.push_back(at(i));
  return out;
}

void InstanceHistory::add(std::int64_t unix_ms, double cpu_percent, std::uint64_t memory_bytes) {
  if (unix_ms < 0) return;
  UsagePoint p;
  p.unix_s = static_cast<std::uint32_t>(std::min<std::int64_t>(unix_ms / 1000, UINT32_MAX));
  p.memory_kib = static_cast<std::uint32_t>(std::min<std::uint64_t>((memory_bytes + 1023) / 1024, UINT32_MAX));
  const double tenths = std::isfinite(cpu_percent) ? std::round(cpu_percent * 10) : 0;
  p.cpu_tenths = static_cast<std::uint16_t>(std::clamp(tenths, 0.0, 65535.0));
  fine_.add(p);
  coarse_.add(p);
  last_ms_ = std::max(last_ms_, unix_ms);
}

std::vector<UsagePoint> InstanceHistory::since(std::int64_t now_ms, std::uint32_t span_s) const {
  const std::int64_t from_s = now_ms / 1000 - span_s;
  auto all = span_s <= kFinePoints ? fine_.points() : coarse_.points();
  std::erase_if(all, [from_s](const UsagePoint& p) { return static_cast<std::int64_t>(p.unix_s) < from_s; });
  return all;
}

const char* marker_kind_name(MarkerKind kind) {
  switch (kind) {
    case MarkerKind::kStart: return "start";
    case MarkerKind::kRestart: return "restart";
    case MarkerKind::kReload: return "reload";
    case MarkerKind::kMemoryRestart: return "memory_restart";
    case MarkerKind::kCrash: return "crash";
    case MarkerKind::kStop: return "stop";
  }
  return "restart";
}

void UsageHistory::add_sample(const std::string& app, int id, std::int64_t unix_ms, double cpu_percent,
                              std::uint64_t memory_bytes) {
  apps_[app].instances[id].add(unix_ms, cpu_percent, memory_bytes);
}

void UsageHistory::add_marker(const std::string& app, Marker marker) {
  auto& markers = apps_[app].markers;
  if (markers.size() == kMarkersPerApp) markers.pop_front();
  markers.push_back(std::move(marker));
}

void UsageHistory::forget_stale(std::int64_t now_ms) {
  for (auto it = apps_.begin(); it != apps_.end();) {
    auto& app = it->second;
    std::erase_if(app.instances, [&](const auto& entry) { return now_ms - entry.second.last_ms() > kForgetAfterMs; });
    std::erase_if(app.markers, [&](const Marker& m) { return now_ms - m.unix_ms > kForgetAfterMs; });
    it = app.instances.empty() && app.markers.empty() ? apps_.erase(it) : std::next(it);
  }
}

std::vector<UsagePoint> thin_points(const std::vector<UsagePoint>& points, std::size_t max_points) {
  if (max_points == 0 || points.size() <= max_points) return points;
  std::vector<UsagePoint> out;
  out.reserve(max_points);
  for (std::size_t group = 0; group < max_points; ++group) {
    const std::size_t begin = group * points.size() / max_points;
    const std::size_t end = (group + 1) * points.size() / max_points;
    UsagePoint peak = points[begin];
    for (std::size_t i = begin + 1; i < end; ++i) peak = peak_of(peak, points[i]);
    out.push_back(peak);
  }
  return out;
}

json UsageHistory::view(const std::vector<std::string>& wanted, std::int64_t now_ms, std::uint32_t span_s,
                        std::size_t max_points) const {
  json apps = json::object();
  const std::int64_t from_ms = now_ms - std::int64_t{span_s} * 1000;
  for (const auto& [name, app] : apps_) {
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), name) == wanted.end()) continue;
    json instances = json::array();
    for (const auto& [id, history] : app.instances) {
      json points = json::array();
      for (const auto& p : thin_points(history.since(now_ms, span_s), max_points))
        points.push_back({std::int64_t{p.unix_s} * 1000, p.cpu_tenths / 10.0, std::uint64_t{p.memory_kib} * 1024});
      instances.push_back({{"id", id}, {"points", std::move(points)}});
    }
    json markers = json::array();
    for (const auto& m : app.markers)
      if (m.unix_ms >= from_ms)
        markers.push_back({{"at", m.unix_ms}, {"id", m.id}, {"kind", marker_kind_name(m.kind)}, {"reason", m.reason}});
    apps[name] = {{"instances", std::move(instances)}, {"markers", std::move(markers)}};
  }
  return {{"now", now_ms}, {"span_s", span_s}, {"apps", std::move(apps)}};
}

std::size_t UsageHistory::bytes() const {
  std::size_t total = 0;
  for (const auto& [name, app] : apps_)
    for (const auto& [id, history] : app.instances) total += history.bytes();
  return total;
}

}  // namespace pmd
