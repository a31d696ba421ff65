// The dump file on disk: written atomically with the previous one kept as a backup, read back
// with a fall-back to that backup when the dump is damaged.
#pragma once

#include "store/dump_format.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pmd {

class StateStore {
 public:
  explicit StateStore(std::filesystem::path dump_path);

  const std::filesystem::path& dump_path() const { return dump_; }

  /// Replaces the dump with `entries`: a temporary file (0600) is written and fsynced, the
  /// current dump becomes the backup, and the temporary is renamed over it, so a crash at any
  /// point leaves a whole dump. Empty on success, else a sentence saying what failed.
  std::string save(const std::vector<DumpEntry>& entries) const;

  struct Loaded {
    std::vector<DumpEntry> entries;
    std::vector<std::string> warnings;  // e.g. "the dump was damaged; restored from the backup"
    std::string error;                  // non-empty: nothing can be restored, and why
    bool missing = false;               // neither a dump nor a backup exists
  };
  /// Reads the dump; a damaged one falls back to the backup with a warning.
  Loaded load() const;

 private:
  std::filesystem::path dump_, backup_;
};

/// Now, as the dumps record it (UTC, ISO 8601).
std::string utc_timestamp_now();

}  // namespace pmd
