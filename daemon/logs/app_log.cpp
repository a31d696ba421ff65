// AppLog: files, tail and followers of one app.
#include "logs/app_log.h"

#include "jsonrpc.h"

#include <algorithm>
#include <chrono>

namespace pmd {

LogSettings log_settings_for(const AppSpec& spec) {
  LogSettings s;
  s.out_file = spec.out_file;
  s.error_file = spec.error_file;
  s.log_file = spec.log_file;
  s.per_instance = spec.instances > 1 && !spec.merge_logs;
  s.style.date_format = spec.log_date_format;
  s.style.json = spec.log_type == "json";
  s.rotation.max_size = spec.log_max_size;
  s.rotation.retain = spec.log_retain;
  s.owner = file_owner(spec);
  return s;
}

nlohmann::json log_record_view(const LogRecord& r, const std::string& app) {
  return {{"time", r.unix_ms},
          {"app", app},
          {"id", r.id},
          {"instance", r.instance},
          {"stream", r.is_stderr ? "err" : "out"},
          {"text", r.text}};
}

const std::shared_ptr<const std::string>& FollowedLine::notification() const {
  if (!encoded_)
    encoded_ = std::make_shared<const std::string>(rpc::encode_notification("log", log_record_view(record_, app_)));
  return encoded_;
}

AppLog::AppLog(std::string app_name, LogSettings settings)
    : app_name_(std::move(app_name)), settings_(std::move(settings)) {
  if (!settings_.log_file.empty())
    combined_ = std::make_unique<LogFile>(settings_.log_file, settings_.rotation, settings_.owner);
}

void AppLog::set_journal(WriteJournal* journal) {
  journal_ = journal;
  for (auto& [id, f] : files_) {
    f.out->set_journal(journal);
    if (f.err) f.err->set_journal(journal);
  }
  if (combined_) combined_->set_journal(journal);
}

std::string AppLog::path_for(const std::string& base, int id) const {
  if (!settings_.per_instance || id < 0 || base == "/dev/null") return base;
  // PM2's naming: api-out.log -> api-out-3.log
  auto slash = base.rfind('/');
  auto dot = base.rfind('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return base + "-" + std::to_string(id);
  return base.substr(0, dot) + "-" + std::to_string(id) + base.substr(dot);
}

AppLog::Files& AppLog::files_for(int id) {
  int key = settings_.per_instance ? id : -1;
  auto it = files_.find(key);
  if (it != files_.end()) return it->second;
  Files f;
  f.out = std::make_unique<LogFile>(path_for(settings_.out_file, key), settings_.rotation, settings_.owner);
  if (settings_.error_file != settings_.out_file)
    f.err = std::make_unique<LogFile>(path_for(settings_.error_file, key), settings_.rotation, settings_.owner);
  f.out->set_journal(journal_);
  if (f.err) f.err->set_journal(journal_);
  return files_.emplace(key, std::move(f)).first->second;
}

void AppLog::write_line(int id, int instance, bool is_stderr, std::string_view text, bool continues) {
  add_line(id, instance, is_stderr, text, continues, unix_ms_now());
  commit();
}

void AppLog::track(LogFile& file) {
  if (std::find(uncommitted_.begin(), uncommitted_.end(), &file) == uncommitted_.end()) uncommitted_.push_back(&file);
}

void AppLog::commit() {
  bool failing = false;
  for (LogFile* file : uncommitted_) {
    file->commit();
    failing = failing || file->failing();
  }
  uncommitted_.clear();
  if (failing && on_failure_) on_failure_();
}

void AppLog::add_line(int id, int instance, bool is_stderr, std::string_view text, bool continues,
                      std::int64_t unix_ms) {
  // The record goes to the tail last; once the tail is full it reuses the oldest record's text
  // buffer, so a steady stream of lines allocates nothing here.
  LogRecord record;
  if (!tail_.empty() && (tail_.size() >= kTailLines || tail_bytes_ + text.size() > kTailBytes)) {
    tail_bytes_ -= tail_.front().text.size();
    record = std::move(tail_.front());
    tail_.pop_front();
  }
  record.unix_ms = unix_ms;
  record.id = id;
  record.instance = instance;
  record.is_stderr = is_stderr;
  record.text.assign(text);
  record.continues = continues;

  formatted_.clear();
  append_log_line(formatted_, record, app_name_, settings_.style);
  Files& files = files_for(id);
  LogFile& file = *(is_stderr && files.err ? files.err : files.out);
  file.add(formatted_);
  track(file);
  if (combined_) {
    combined_->add(formatted_);
    track(*combined_);
  }

  // Followers only queue to their connection; none unsubscribes while being told, so no copy of
  // the map is needed on this per-line path.
  ++lines_written_;
  if (!followers_.empty()) {
    const FollowedLine followed(record, app_name_);
    for (auto it = followers_.begin(); it != followers_.end();) {
      if (it->second.deliver(followed) || !it->second.resume) {
        ++it;
        continue;
      }
      paused_.emplace(it->first, Paused{std::move(it->second), lines_written_ - 1});
      it = followers_.erase(it);
    }
  }
  tail_bytes_ += record.text.size();
  tail_.push_back(std::move(record));
  while (!tail_.empty() && (tail_.size() > kTailLines || tail_bytes_ > kTailBytes)) {
    tail_bytes_ -= tail_.front().text.size();
    tail_.pop_front();
  }
}

void AppLog::reconfigure(LogSettings settings) {
  commit();  // files may go: nothing added to them is left behind
  const bool files_changed = settings.out_file != settings_.out_file || settings.error_file != settings_.error_file ||
                             settings.per_instance != settings_.per_instance ||
                             settings.rotation.max_size != settings_.rotation.max_size ||
                             settings.rotation.retain != settings_.rotation.retain ||
                             settings.owner.switch_user != settings_.owner.switch_user ||
                             settings.owner.uid != settings_.owner.uid || settings.owner.gid != settings_.owner.gid;
  const bool combined_changed = settings.log_file != settings_.log_file;
  settings_ = std::move(settings);
  if (files_changed) files_.clear();
  if (combined_changed || files_changed) {
    combined_ = settings_.log_file.empty()
                    ? nullptr
                    : std::make_unique<LogFile>(settings_.log_file, settings_.rotation, settings_.owner);
    if (combined_) combined_->set_journal(journal_);
  }
}

void AppLog::reopen_all() {
  commit();
  for (auto& [id, f] : files_) {
    f.out->reopen();
    if (f.err) f.err->reopen();
  }
  if (combined_) combined_->reopen();
}

void AppLog::retry_failed() {
  for (auto& [id, f] : files_) {
    f.out->retry();
    if (f.err) f.err->retry();
  }
  if (combined_) combined_->retry();
}

bool AppLog::needs_upkeep() const {
  if (!followers_.empty() || !paused_.empty()) return true;
  if (combined_ && combined_->failing()) return true;
  return std::any_of(files_.begin(), files_.end(), [](const auto& entry) {
    const Files& f = entry.second;
    return f.out->failing() || (f.err && f.err->failing());
  });
}

void AppLog::flush() {
  commit();
  for (auto& [id, f] : files_) {
    f.out->truncate();
    if (f.err) f.err->truncate();
  }
  if (combined_) combined_->truncate();
  tail_.clear();
  tail_bytes_ = 0;
}

std::vector<LogRecord> AppLog::tail(std::size_t lines) const {
  std::size_t start = tail_.size() > lines ? tail_.size() - lines : 0;
  return {tail_.begin() + static_cast<std::ptrdiff_t>(start), tail_.end()};
}

int AppLog::subscribe(Follower follower) {
  int token = next_token_++;
  followers_.emplace(token, std::move(follower));
  return token;
}

void AppLog::unsubscribe(int token) {
  followers_.erase(token);
  paused_.erase(token);
}

void AppLog::resume_paused() {
  for (auto it = paused_.begin(); it != paused_.end();) {
    if (!it->second.follower.resume(lines_written_ - it->second.since)) {
      ++it;
      continue;
    }
    followers_.emplace(it->first, std::move(it->second.follower));
    it = paused_.erase(it);
  }
}

std::string AppLog::out_path(int id) const { return path_for(settings_.out_file, settings_.per_instance ? id : -1); }

std::string AppLog::err_path(int id) const { return path_for(settings_.error_file, settings_.per_instance ? id : -1); }

std::string AppLog::error() const {
  auto describe = [](const LogFile& f) {
    std::string e = f.error();
    if (f.dropped_lines() > 0)
      e += (e.empty() ? "" : "; ") + std::to_string(f.dropped_lines()) + " lines dropped from " + f.path();
    return e;
  };
  for (const auto& [id, f] : files_) {
    if (auto e = describe(*f.out); !e.empty()) return e;
    if (f.err)
      if (auto e = describe(*f.err); !e.empty()) return e;
  }
  return combined_ ? describe(*combined_) : std::string();
}

}  // namespace pmd
