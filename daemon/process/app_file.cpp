// AppFile: an openat walk with O_NOFOLLOW and owner checks, or the app's own identity.
#include "process/app_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <filesystem>

namespace pmd {

namespace {

// Root's or pmd's, and writable by nobody else.
bool only_ours(const struct stat& st) {
  return (st.st_uid == 0 || st.st_uid == ::geteuid()) && (st.st_mode & (S_IWGRP | S_IWOTH)) == 0;
}

// A directory to walk through: ours, or root's with the sticky bit (/tmp), where others may add
// entries but cannot rename or remove ours; the next step must then be ours, checked in turn.
bool passable(const struct stat& st) { return only_ours(st) || (st.st_uid == 0 && (st.st_mode & S_ISVTX)); }

}  // namespace

AppFile::AppFile(std::string path, AppCredentials credentials)
    : path_(std::move(path)), credentials_(std::move(credentials)) {
  leaf_ = std::filesystem::path(path_).filename().string();
}

AppFile::~AppFile() { close(); }

void AppFile::close() {
  if (fd_ >= 0) ::close(fd_);
  if (dir_fd_ >= 0) ::close(dir_fd_);
  fd_ = dir_fd_ = -1;
}

int AppFile::trusted_directory() {
  if (!credentials_.switch_user || path_.empty() || path_.front() != '/' || leaf_.empty()) return -1;
  int dir = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
  const std::filesystem::path parent = std::filesystem::path(path_).parent_path();
  for (const auto& part : parent.relative_path()) {
    struct stat st {};
    if (dir < 0 || ::fstat(dir, &st) != 0 || !passable(st)) break;
    const std::string name = part.string();
    if (name.empty() || name == "." || name == "..") {
      ::close(dir);
      return -1;
    }
    int next = ::openat(dir, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    // Missing directories are made by pmd only inside its own (not in /tmp, say): elsewhere the
    // app's user makes them below, as it could itself.
    if (next < 0 && errno == ENOENT && only_ours(st) && ::mkdirat(dir, name.c_str(), 0755) == 0)
      next = ::openat(dir, name.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    ::close(dir);
    dir = next;  // -1 for a symlink (ENOTDIR with O_NOFOLLOW) or anything else: not ours
  }
  struct stat st {};
  if (dir >= 0 && ::fstat(dir, &st) == 0 && only_ours(st)) return dir;
  if (dir >= 0) ::close(dir);
  return -1;
}

int AppFile::open_append() {
  close();
  constexpr int kFlags = O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC;
  if (int dir = trusted_directory(); dir >= 0) {
    fd_ = ::openat(dir, leaf_.c_str(), kFlags | O_NOFOLLOW, 0640);
    if (fd_ >= 0) {
      dir_fd_ = dir;
      return fd_;
    }
    const int error = errno;
    ::close(dir);
    errno = error;
    if (error != ELOOP) return -1;
    // A symlink placed by root in root's directory: followed, but only as the app's user.
  }
  ActingAs as(credentials_);
  std::error_code ignored;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ignored);
  fd_ = ::open(path_.c_str(), kFlags, 0640);
  return fd_;
}

int AppFile::rename_suffix(const std::string& from_suffix, const std::string& to_suffix) {
  if (dir_fd_ >= 0) return ::renameat(dir_fd_, (leaf_ + from_suffix).c_str(), dir_fd_, (leaf_ + to_suffix).c_str());
  ActingAs as(credentials_);
  return std::rename((path_ + from_suffix).c_str(), (path_ + to_suffix).c_str());
}

int AppFile::remove_suffix(const std::string& suffix) {
  if (dir_fd_ >= 0) return ::unlinkat(dir_fd_, (leaf_ + suffix).c_str(), 0);
  ActingAs as(credentials_);
  return ::unlink((path_ + suffix).c_str());
}

}  // namespace pmd
