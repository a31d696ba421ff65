// StateStore: the dump's file work.
#include "store/state_store.h"

#include "pmd_version.h"
#include "write_fully.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

namespace pmd {

namespace fs = std::filesystem;

namespace {

std::string errno_text() { return std::strerror(errno); }

std::optional<std::string> read_whole(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string utc_timestamp_now() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

StateStore::StateStore(fs::path dump_path) : dump_(std::move(dump_path)), backup_(dump_.string() + ".bak") {}

std::string StateStore::save(const std::vector<DumpEntry>& entries) const {
  const std::string text = encode_dump(entries, kVersion, utc_timestamp_now());
  const fs::path temp = dump_.string() + ".tmp";
  int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return "cannot write " + temp.string() + ": " + errno_text();
  ::fchmod(fd, 0600);  // a leftover temp file may have other modes
  bool ok = write_fully(fd, text) == text.size() && ::fsync(fd) == 0;
  std::string error = ok ? "" : "cannot write " + temp.string() + ": " + errno_text();
  ::close(fd);
  if (!ok) {
    ::unlink(temp.c_str());
    return error + " (the previous dump is unchanged)";
  }
  // The current dump becomes the backup by a hard link, so there is no moment without a dump.
  if (fs::exists(dump_)) {
    ::unlink(backup_.c_str());
    if (::link(dump_.c_str(), backup_.c_str()) != 0) {
      ::unlink(temp.c_str());
      return "cannot keep the previous dump as " + backup_.string() + ": " + errno_text();
    }
  }
  if (::rename(temp.c_str(), dump_.c_str()) != 0) {
    error = "cannot replace " + dump_.string() + ": " + errno_text();
    ::unlink(temp.c_str());
    return error;
  }
  // The rename itself must reach the disk before we say "saved".
  if (int dir = ::open(dump_.parent_path().c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

StateStore::Loaded StateStore::load() const {
  Loaded loaded;
  auto text = read_whole(dump_);
  auto backup_text = read_whole(backup_);
  if (!text && !backup_text) {
    loaded.missing = true;
    loaded.error = "no dump at " + dump_.string() + ": save the running apps with `pmctl save` first";
    return loaded;
  }
  std::string dump_problem;
  if (text) {
    auto decoded = decode_dump(*text);
    if (auto* entries = std::get_if<std::vector<DumpEntry>>(&decoded)) {
      loaded.entries = std::move(*entries);
      return loaded;
    }
    const auto& error = std::get<DumpError>(decoded);
    if (error.kind == DumpError::kTooNew) {
      loaded.error = "cannot read " + dump_.string() + ": " + error.message;
      return loaded;
    }
    dump_problem = dump_.string() + " is damaged: " + error.message;
  } else {
    dump_problem = dump_.string() + " is missing";
  }
  if (!backup_text) {
    loaded.error = dump_problem + ", and there is no backup (" + backup_.string() +
                   "); nothing was restored. Start your apps again and run `pmctl save`";
    return loaded;
  }
  auto decoded = decode_dump(*backup_text);
  if (auto* entries = std::get_if<std::vector<DumpEntry>>(&decoded)) {
    loaded.entries = std::move(*entries);
    loaded.warnings.push_back(dump_problem + "; restored the previous save from " + backup_.string() +
                              " instead (run `pmctl save` to write a good dump)");
    return loaded;
  }
  loaded.error = dump_problem + ", and the backup is unusable too (" + std::get<DumpError>(decoded).message +
                 "); nothing was restored";
  return loaded;
}

}  // namespace pmd
