// The read ends of one launch's output, shared by instance.cpp and instance_handover.cpp.
#pragma once

#include "handover/output_board.h"
#include "logs/line_splitter.h"
#include "supervise/instance.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <fcntl.h>

#include <memory>

namespace pmd {

// A pipe's slot on the output board (handover/output_board.h). No board (no fd holder): slot -1,
// and the record alone tells where the pipe's reader was.
struct BoardNote {
  int slot = -1;
  std::uint64_t owner = 0;
};

// The read ends of one launch's stdout and stderr. A relaunch gets new pipes; events from old
// ones are recognised by their generation and ignored.
struct Instance::OutputPipes {
  OutputPipes(boost::asio::io_context& io, int out_fd, int err_fd, std::uint64_t gen)
      : out(io, out_fd), err(io, err_fd), generation(gen) {
    // Read until EAGAIN (Instance::read_available); the holder's copies share the flag.
    for (int fd : {out_fd, err_fd})
      if (fd >= 0) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  }
  ~OutputPipes() {
    if (!board) return;
    for (const Note& n : {out_note, err_note}) board->release(n.slot, n.owner);
  }
  OutputPipes(const OutputPipes&) = delete;
  OutputPipes& operator=(const OutputPipes&) = delete;

  boost::asio::posix::stream_descriptor out, err;
  LineSplitter out_lines, err_lines;
  int open = 2;
  std::uint64_t generation;
  // An upgrade is about to exec: the readers stop after what they already read (parked), and
  // leave the rest in the pipes for the next image.
  bool parking = false;
  int parked = 0;

  // Each pipe's slot on the output board: what its reader was doing survives a SIGKILL of pmd.
  using Note = BoardNote;
  std::shared_ptr<handover::OutputBoard> board;
  Note out_note, err_note;

  /// Takes slots on `b` for both pipes, tagged by the instance's serial and this launch; a pipe
  /// adopted from a previous pmd keeps the slot its reader held (`kept`).
  void use_board(std::shared_ptr<handover::OutputBoard> b, std::uint64_t serial, Note out_kept = {},
                 Note err_kept = {}) {
    board = std::move(b);
    if (!board) return;
    out_note = out_kept;
    err_note = err_kept;
    for (bool is_stderr : {false, true}) {
      Note& n = note(is_stderr);
      // A record names its slot; only one the board confirms is used (a damaged record's is not).
      if (board->holds(n.slot, n.owner)) continue;
      n.owner = ((serial << 21) | ((generation & 0xfffff) << 1) | (is_stderr ? 1 : 0)) + 1;
      n.slot = board->claim(n.owner);
    }
  }
  Note& note(bool is_stderr) { return is_stderr ? err_note : out_note; }
  const Note& note(bool is_stderr) const { return is_stderr ? err_note : out_note; }
  LineSplitter& lines(bool is_stderr) { return is_stderr ? err_lines : out_lines; }
  const LineSplitter& lines(bool is_stderr) const { return is_stderr ? err_lines : out_lines; }
  bool on_board(bool is_stderr) const { return board && note(is_stderr).slot >= 0; }

  void mark_reading(bool is_stderr) {
    if (on_board(is_stderr)) board->reading(note(is_stderr).slot);
  }
  /// False when the unfinished line is not on the board: the record must carry it.
  bool settle(bool is_stderr) {
    if (!on_board(is_stderr)) return false;
    // Still skipping the rest of a line whose start was lost: a pmd killed now must skip it too.
    if (lines(is_stderr).skipping()) {
      board->reading(note(is_stderr).slot);
      return false;
    }
    return board->settle(note(is_stderr).slot, lines(is_stderr).pending());
  }
  /// Whether the record must carry this pipe's unfinished line.
  bool pending_in_record(bool is_stderr) const {
    return !lines(is_stderr).pending().empty() &&
           (!on_board(is_stderr) || lines(is_stderr).pending().size() > handover::OutputBoard::kPendingBytes);
  }
  /// A record carrying the unfinished lines too long for the board reached the holder.
  void records_delivered() {
    for (bool is_stderr : {false, true})
      if (on_board(is_stderr) && pending_in_record(is_stderr)) board->in_record(note(is_stderr).slot);
  }
};

}  // namespace pmd
