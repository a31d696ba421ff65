// The output readers' notes, in memory that outlives pmd: a memfd the fd holder keeps.
//
// Before each read of an app's pipe, its reader marks its slot "reading"; once the lines read are
// written, it marks it settled and leaves there the start of a line the app has not finished.
// A pmd killed between the two (SIGKILL lands when the read returns, the bytes already taken from
// the pipe) leaves the mark, so the next pmd knows that what it would continue is in doubt: it
// skips to the next line end and says output may be lost, rather than tearing a line. Plain
// stores to a mapped page: no system call on the log path, and a SIGKILL cannot undo them (the
// page belongs to the memfd, not to the process).
#pragma once

#include "write_journal.h"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pmd::handover {

// It is also the log files' write journal (write_journal.h): the one write pmd may be in
// the middle of (it writes from one thread) is noted there.
class OutputBoard final : public WriteJournal {
 public:
  static constexpr std::uint32_t kSlots = 16384;      // output pipes: 8,192 instances
  static constexpr std::size_t kPendingBytes = 1024;  // an unfinished line kept on the board
  /// What a slot says about its pipe.
  enum class Mark : std::uint32_t {
    kFree = 0,
    kSettled = 1,   // every byte read was written; the unfinished line is on the board
    kReading = 2,   // bytes may have left the pipe without reaching the log: in doubt
    kInRecord = 3,  // settled, the unfinished line (too long for the board) is in the record
  };

  /// A new board, or nullptr with `error`.
  static std::unique_ptr<OutputBoard> create(std::string& error);
  /// The board a previous pmd left (its fd, which this takes over); nullptr with `error` when
  /// it is not one (wrong size, format, or not sealed against shrinking: a shrunk mapping would
  /// kill pmd with SIGBUS).
  static std::unique_ptr<OutputBoard> adopt(int fd, std::string& error);
  ~OutputBoard() override;
  OutputBoard(const OutputBoard&) = delete;
  OutputBoard& operator=(const OutputBoard&) = delete;

  int fd() const { return fd_; }

  /// A free slot for one output pipe, tagged `owner` (non-zero); -1 when every slot is taken.
  int claim(std::uint64_t owner);
  void release(int slot, std::uint64_t owner);
  /// Bytes are about to be taken from the pipe.
  void reading(int slot);
  /// Every byte taken was written; `pending` is the start of an unfinished line. False when it is
  /// too long for the board: the slot stays in doubt until in_record().
  bool settle(int slot, std::string_view pending);
  /// The record holding the long unfinished line reached the holder.
  void in_record(int slot);

  struct Left {
    Mark mark = Mark::kFree;
    std::string pending;  // kSettled only
  };
  /// Whether `slot` is a slot of this board held by `owner` (a record's claim, checked).
  bool holds(int slot, std::uint64_t owner) const;
  /// What the reader of `slot` left, if `owner` still holds it (otherwise kFree).
  Left left(int slot, std::uint64_t owner) const;
  /// Slots in use.
  std::uint32_t used() const { return used_; }

  /// The log write the previous pmd was making when it died, if it was making one; then forgotten.
  std::optional<WriteInFlight> take_write_in_flight();
  void begin(std::string_view path, std::uint64_t device, std::uint64_t inode, std::uint64_t offset,
             std::uint64_t length) override;
  void end() override;

 private:
  struct Head;
  struct SlotHead;
  struct WriteNote;
  WriteNote* write_note() const;
  OutputBoard(int fd, char* base);
  SlotHead* head_of(int slot) const;
  char* text_of(int slot) const;

  int fd_;
  char* base_;
  std::uint32_t next_ = 0;  // where claim() looks first
  std::uint32_t used_ = 0;
};

/// How a reader continues a pipe it adopts, from what the board and the record say.
struct Continuation {
  std::string pending;    // the start of the line to continue
  bool in_doubt = false;  // skip to the next line end; output may have been lost
};
Continuation continue_from(const OutputBoard::Left& left, std::string record_pending);

}  // namespace pmd::handover
