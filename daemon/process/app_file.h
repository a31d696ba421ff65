// Opening, rotating and removing the files an app's spec names (its logs) with no more privilege
// than the app's user has. A root pmd running an app as `user: nobody` must not be the tool that
// appends to /root/.ssh/authorized_keys because nobody planted a symlink where its log goes.
//
// The rule: when every directory from / down to the file is root's or pmd's and writable by no
// one else (a root-owned sticky directory such as /tmp may be passed through, since nobody else
// can rename what is ours in it), nobody else can change what the path means, so pmd works there
// itself (by directory fd, never following a symlink at the file itself). Anywhere else (a directory the app's user or
// anyone else may write, a symlink on the way) the work is done with the app's file-system
// identity, so the kernel grants exactly what that user could do. Without a user switch both
// are pmd's own authority, as before.
#pragma once

#include "process/app_credentials.h"

#include <string>

namespace pmd {

class AppFile {
 public:
  AppFile(std::string path, AppCredentials credentials);
  ~AppFile();
  AppFile(const AppFile&) = delete;
  AppFile& operator=(const AppFile&) = delete;

  /// Opens the file for appending, creating it (0640) and missing directories. Returns the fd
  /// (owned by this object, closed by close() or the next open) or -1 with errno set.
  int open_append();
  void close();
  int fd() const { return fd_; }

  /// Renames path+from_suffix to path+to_suffix ("" is the file itself), and removes
  /// path+suffix, in the same way the file was opened. Return 0 or -1 with errno.
  int rename_suffix(const std::string& from_suffix, const std::string& to_suffix);
  int remove_suffix(const std::string& suffix);

  const std::string& path() const { return path_; }

 private:
  /// A directory fd for the file's directory when the whole path is pmd's alone (see above),
  /// creating missing directories there; -1 otherwise.
  int trusted_directory();

  std::string path_;
  std::string leaf_;
  AppCredentials credentials_;
  int fd_ = -1;
  int dir_fd_ = -1;  // the trusted directory the file was opened in; -1: opened as the app's user
};

}  // namespace pmd
