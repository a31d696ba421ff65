// The supervisor across a change of pmd. While it runs, every change of an app or an instance
// is handed to the fd holder (coalesced: one flush per turn of the loop). When a pmd starts and
// the holder has records, the apps are adopted from them: same ids, numbers, counters, the same
// processes (if they still run), their output pipes and sockets.
#include "loop/detached.h"
#include "supervise/supervisor.h"

#include "handover/fd_message.h"
#include "handover/output_board.h"
#include "jsonrpc.h"
#include "logs/torn_write.h"
#include "loop/readable_watch.h"

#include <spdlog/spdlog.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <stdexcept>

namespace pmd {

namespace asio = boost::asio;
using nlohmann::json;

namespace {

constexpr const char* kDaemonKey = "daemon";
std::string app_key(const std::string& name) { return "a" + name; }
// Appended rather than "i" + to_string(): GCC 12 warns falsely (-Wrestrict) on that form.
std::string instance_key(std::uint64_t serial) { return std::string("i").append(std::to_string(serial)); }

// A socket's inode: a listener replaced by another that got the same fd number is still noticed.
std::uint64_t inode_of(int fd) {
  struct stat st {};
  return fd >= 0 && ::fstat(fd, &st) == 0 ? st.st_ino : 0;
}

json address_json(const ListenAddress& a) { return {{"port", a.port}, {"host", a.host}, {"path", a.path}}; }
ListenAddress address_from(const json& j) {
  ListenAddress a;
  if (!j.is_object()) return a;
  a.port = j.value("port", 0);
  a.host = j.value("host", "");
  a.path = j.value("path", "");
  return a;
}

int take_fd(std::vector<handover::HeldFd>& fds, char role) {
  for (auto& f : fds)
    if (f.role == role && f.fd >= 0) return std::exchange(f.fd, -1);
  return -1;
}

void close_rest(std::vector<handover::HeldFd>& fds) {
  for (auto& f : fds)
    if (f.fd >= 0) ::close(std::exchange(f.fd, -1));
}

}  // namespace

void Supervisor::HandoverQueue::mark_instance(std::uint64_t serial, bool state) {
  instances.insert(serial);
  states_changed = states_changed || state;
  post();
}

void Supervisor::HandoverQueue::post() {
  if (posted || !flush) return;
  posted = true;
  asio::post(io, [weak = weak_from_this()] {
    if (auto self = weak.lock(); self && self->flush) {
      self->posted = false;
      self->flush();
    }
  });
}

void Supervisor::keep_in(handover::HolderLink* holder) {
  holder_ = holder;
  if (holder_ && !output_board_) {
    std::string error;
    output_board_ = handover::OutputBoard::create(error);
    if (!output_board_) spdlog::warn("{}: a pmd killed while reading an app's output may tear a line", error);
    // Instances running now (adopted without a board) take their slots at their next launch.
    for (auto& app : apps_) app.runtime->use_board(output_board_);
  }
  if (holder_) hand_over_everything();
  watch_holder();
}

void Supervisor::watch_holder() {
  holder_watch_.reset();
  if (!holder_ || !holder_->connected()) return;
  holder_watch_ = std::make_unique<ReadableWatch>(io_, holder_->native_handle(), [this] {
    // Readable without hanging up (it never is): the same holder, watched again.
    if (holder_ && holder_->alive()) return watch_holder();
    check_holder();  // starts a new holder, which flush_handover() watches
  });
}

json Supervisor::daemon_record() const {
  return {{"format", handover::kFormat},         {"next_id", next_id_},   {"launches", ops_->launches()},
          {"notify_address", notify_.address()}, {"pmd_pid", ::getpid()}, {"settings", daemon_settings_}};
}

void Supervisor::keep_daemon_setting(const std::string& key, json value) {
  daemon_settings_[key] = std::move(value);
  handover_->states_changed = true;
  handover_->post();
}

json Supervisor::daemon_setting(const std::vector<handover::TakenRecord>& records, const std::string& key) {
  for (const auto& r : records) {
    if (r.key != kDaemonKey) continue;
    auto j = json::parse(r.data, nullptr, false);
    if (!j.is_object() || !j.contains("settings") || !j["settings"].is_object()) return nullptr;
    return j["settings"].value(key, json());
  }
  return nullptr;
}

std::pair<json, std::vector<std::pair<char, int>>> Supervisor::app_record(const App& app, int order) const {
  const AppRuntime& rt = *app.runtime;
  json slots = json::array();
  std::vector<std::pair<char, int>> fds;
  if (rt.listener.fd >= 0) fds.emplace_back(handover::role::kListener, rt.listener.fd);
  for (const auto& [number, socket] : rt.slots) {
    if (socket.fd < 0 || fds.size() + 2 > handover::kMaxFdsPerMessage) continue;
    fds.emplace_back(handover::role::kSlot, socket.fd);
    slots.push_back({{"number", number}, {"inode", inode_of(socket.fd)}});
  }
  json r = {{"format", handover::kFormat},
            {"order", order},
            {"spec", to_json(rt.spec)},
            {"created_at_ms",
             std::chrono::duration_cast<std::chrono::milliseconds>(rt.created_at.time_since_epoch()).count()},
            {"speaks_notify", rt.speaks_notify},
            {"address", address_json(rt.listener.address)},
            {"listener_inode", inode_of(rt.listener.fd)},
            {"slots", slots},
            {"last_trigger", app.last_trigger}};
  return {r, fds};
}

void Supervisor::hand_over_everything() {
  for (auto& app : apps_) {
    for (auto* list : {&app.instances, &app.incoming, &app.retiring})
      for (auto& inst : *list) handover_->instances.insert(inst->serial());
  }
  handover_->states_changed = true;
  sent_apps_.clear();
  flush_handover();
}

void Supervisor::flush_handover() {
  if (!holder_) {
    handover_->instances.clear();
    return;
  }
  if (!holder_->connected()) {
    // The holder went away (killed?): a new one gets everything.
    if (auto error = holder_->start(); !error.empty()) {
      spdlog::warn("{}; apps will not survive a crash of pmd until it can be started", error);
      handover_->instances.clear();
      if (upkeep_needed_) upkeep_needed_();  // the next tick tries again
      return;
    }
    hand_over_everything();
    watch_holder();
    spdlog::info("started a new fd holder (pid {}) and handed it every app", holder_->holder_pid());
    return;
  }
  // The daemon and app records can only have changed with an instance's state: a read that
  // ends mid-line (the log path) hands over that instance's record alone.
  if (handover_->states_changed) {
    std::vector<std::pair<char, int>> daemon_fds = {{handover::role::kNotify, notify_.native_handle()}};
    if (output_board_) daemon_fds.emplace_back(handover::role::kBoard, output_board_->fd());
    holder_->put(kDaemonKey, daemon_record().dump(), daemon_fds);
    // Apps: only those whose record changed.
    std::map<std::string, std::string> now;
    int order = 0;
    for (const auto& app : apps_) {
      auto [record, fds] = app_record(app, order++);
      std::string data = record.dump();
      const std::string& name = app.runtime->spec.name;
      if (auto it = sent_apps_.find(name); it == sent_apps_.end() || it->second != data)
        holder_->put(app_key(name), data, fds);
      now[name] = std::move(data);
    }
    for (const auto& [name, data] : sent_apps_)
      if (!now.count(name)) holder_->remove(app_key(name));
    sent_apps_ = std::move(now);
  }
  handover_->states_changed = false;
  // Instances: those that changed, with their place in the app.
  std::map<std::uint64_t, std::pair<Instance*, const char*>> present;
  for (const auto& app : apps_) {
    for (auto& inst : app.instances) present[inst->serial()] = {inst.get(), "slot"};
    for (auto& inst : app.incoming) present[inst->serial()] = {inst.get(), "incoming"};
    for (auto& inst : app.retiring) present[inst->serial()] = {inst.get(), "retiring"};
  }
  for (std::uint64_t serial : handover_->instances) {
    auto it = present.find(serial);
    if (it == present.end()) {
      holder_->remove(instance_key(serial));
      continue;
    }
    json record = it->second.first->handover_record();
    record["role"] = it->second.second;
    if (holder_->put(instance_key(serial), record.dump(), it->second.first->handover_fds()))
      it->second.first->record_delivered();
  }
  handover_->instances.clear();
  if (!holder_->connected()) spdlog::warn("the fd holder stopped answering; a new one is started");
}

int Supervisor::take_notify_fd(std::vector<handover::TakenRecord>& records, std::string& address) {
  for (auto& r : records) {
    if (r.key != kDaemonKey) continue;
    auto j = json::parse(r.data, nullptr, false);
    if (j.is_discarded() || !j.is_object()) return -1;
    address = j.value("notify_address", "");
    return take_fd(r.fds, handover::role::kNotify);
  }
  return -1;
}

std::string Supervisor::adopt(std::vector<handover::TakenRecord>& records, const std::string& how) {
  std::map<std::string, json> apps_by_name;
  std::map<std::string, handover::TakenRecord*> app_records;
  std::vector<std::pair<json, handover::TakenRecord*>> instance_records;
  for (auto& r : records) {
    auto j = json::parse(r.data, nullptr, false);
    const json* format = j.is_object() && j.contains("format") ? &j["format"] : nullptr;
    if (!format || !format->is_number_integer() || format->get<int>() < 1 || format->get<int>() > handover::kFormat) {
      spdlog::warn("fd holder: record {} is not in a format this pmd reads; ignored", r.key);
      continue;
    }
    if (r.key == kDaemonKey) {
      const json& next = j.contains("next_id") ? j["next_id"] : json();
      const json& launches = j.contains("launches") ? j["launches"] : json();
      if (next.is_number_integer()) next_id_ = std::max(next_id_, next.get<int>());
      if (launches.is_number_unsigned()) ops_->continue_launches(launches.get<std::uint64_t>());
      if (int fd = take_fd(r.fds, handover::role::kBoard); fd >= 0) {
        std::string error;
        output_board_ = handover::OutputBoard::adopt(fd, error);
        if (!output_board_) spdlog::warn("fd holder: {}; unfinished lines continue from the records", error);
        // Killed inside a log write: its torn last line goes before anyone appends to that file.
        if (auto torn = output_board_ ? output_board_->take_write_in_flight() : std::nullopt)
          if (auto done = cut_torn_write(*torn); !done.empty()) spdlog::warn("{}", done);
      }
    } else if (r.key.rfind("a", 0) == 0) {
      apps_by_name[r.key.substr(1)] = j;
      app_records[r.key.substr(1)] = &r;
    } else if (r.key.rfind("i", 0) == 0) {
      next_serial_ = std::max<std::uint64_t>(next_serial_, std::strtoull(r.key.c_str() + 1, nullptr, 10) + 1);
      instance_records.emplace_back(std::move(j), &r);
    }
  }
  std::vector<std::pair<int, std::string>> order;
  for (const auto& [name, j] : apps_by_name)
    order.emplace_back(j.contains("order") && j["order"].is_number_integer() ? j["order"].get<int>() : 0, name);
  std::sort(order.begin(), order.end());

  std::size_t adopted_apps = 0, running = 0, gone = 0;
  for (const auto& [ignored, name] : order) {
    const json& j = apps_by_name[name];
    auto& fds = app_records[name]->fds;
    std::shared_ptr<AppRuntime> runtime;
    try {
      runtime = std::make_shared<AppRuntime>(app_spec_from_json(j.at("spec")));
      runtime->use_board(output_board_);
      if (find_app(runtime->spec.name)) throw std::runtime_error("an app of that name is already registered");
    } catch (const std::exception& e) {
      spdlog::error("fd holder: app {} cannot be adopted ({}); its processes are left as they are", name, e.what());
      close_rest(fds);
      continue;
    }
    App app;
    try {
      const ListenAddress address = address_from(j.value("address", json::object()));
      ClusterSocket listener{take_fd(fds, handover::role::kListener), address};
      std::map<int, ClusterSocket> slots;
      for (const auto& slot : j.value("slots", json::array())) {
        int fd = take_fd(fds, handover::role::kSlot);
        if (fd >= 0) slots[slot.value("number", 0)] = ClusterSocket{fd, address};
      }
      runtime->adopt_sockets(listener, std::move(slots));
      runtime->speaks_notify = j.value("speaks_notify", false);
      runtime->created_at =
          std::chrono::system_clock::time_point(std::chrono::milliseconds(j.value("created_at_ms", std::int64_t{0})));
      app.last_trigger = j.value("last_trigger", "");
    } catch (const std::exception& e) {
      spdlog::warn("fd holder: app {}: part of its record does not read ({}); its sockets are bound again", name,
                   e.what());
    }
    close_rest(fds);
    app.runtime = runtime;
    app.epoch = ++epoch_counter_;
    std::map<int, std::shared_ptr<Instance>> slotted;
    for (auto& [record, taken] : instance_records) {
      if (record.value("app", "") != name) continue;
      std::shared_ptr<Instance> inst;
      InstanceIdentity who;
      try {
        // A record is only as good as the holder kept it: one that does not read is skipped, not fatal.
        who = InstanceIdentity{record.value("id", 0), record.value("number", 0)};
        inst = make_instance(runtime, who, std::strtoull(taken->key.c_str() + 1, nullptr, 10));
        inst->adopt(record, taken->fds, how);
      } catch (const std::exception& e) {
        spdlog::error("fd holder: record {} of app {} cannot be adopted ({}); skipped", taken->key, name, e.what());
        close_rest(taken->fds);
        continue;
      }
      next_id_ = std::max(next_id_, who.id + 1);
      close_rest(taken->fds);
      if (inst->is_running())
        ++running;
      else if (record.value("pid", -1) > 0)
        ++gone;
      const std::string role = record.value("role", "slot");
      if (role == "slot" && !slotted.count(who.number)) {
        slotted[who.number] = inst;
      } else {
        // A reload was under way: what was replacing or being replaced stops; the slot keeps its instance.
        app.retiring.push_back(inst);
        inst->request_stop("a reload was interrupted by pmd's " + how);
      }
    }
    const int wanted = std::max(runtime->spec.instances, slotted.empty() ? 0 : slotted.rbegin()->first + 1);
    for (int n = 0; n < wanted; ++n) {
      if (auto it = slotted.find(n); it != slotted.end()) {
        app.instances.push_back(it->second);
        continue;
      }
      // No record for this slot (pmd died before handing it over): it starts anew.
      auto inst = make_instance(runtime, InstanceIdentity{next_id_++, n});
      app.instances.push_back(inst);
      inst->launch("started again: no record of it survived pmd's " + how);
    }
    if (auto error = arm_triggers(app); !error.empty()) spdlog::warn("app {}: {}", name, error);
    apps_.push_back(std::move(app));
    ++adopted_apps;
    if (!apps_.back().retiring.empty()) {
      asio::co_spawn(io_, wait_retired(name), logged("stopping what an interrupted reload left"));
    }
  }
  for (auto& [record, taken] : instance_records) close_rest(taken->fds);
  for (auto& r : records) close_rest(r.fds);
  hand_over_everything();
  return std::to_string(adopted_apps) + " app(s), " + std::to_string(running) + " process(es) still running" +
         (gone ? ", " + std::to_string(gone) + " ended meanwhile" : "");
}

void Supervisor::park_output() {
  for (auto& app : apps_)
    for (auto* list : {&app.instances, &app.incoming, &app.retiring})
      for (auto& inst : *list) inst->park_output();
}

void Supervisor::resume_output() {
  for (auto& app : apps_)
    for (auto* list : {&app.instances, &app.incoming, &app.retiring})
      for (auto& inst : *list) inst->resume_output();
}

bool Supervisor::output_parked() const {
  for (const auto& app : apps_)
    for (const auto* list : {&app.instances, &app.incoming, &app.retiring})
      for (const auto& inst : *list)
        if (!inst->output_parked()) return false;
  return true;
}

void Supervisor::check_holder() {
  if (holder_ && !holder_->alive()) {
    spdlog::warn("the fd holder is gone; starting a new one");
    flush_handover();
  }
}

bool Supervisor::any_busy() const {
  return std::any_of(apps_.begin(), apps_.end(), [](const App& a) { return a.busy; });
}

}  // namespace pmd
