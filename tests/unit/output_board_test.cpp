// The output board: what a reader leaves for the next pmd, and how that pmd continues the pipe.
#include "handover/output_board.h"

#include <catch2/catch.hpp>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

using namespace pmd::handover;
using Mark = OutputBoard::Mark;

TEST_CASE("a reader's slot says whether the next pmd may continue its pipe, and where", "[handover]") {
  std::string error;
  auto board = OutputBoard::create(error);
  REQUIRE(board);
  const int out = board->claim(7), err = board->claim(8);
  REQUIRE(out >= 0);
  REQUIRE(err >= 0);
  CHECK(out != err);
  CHECK(board->used() == 2);
  CHECK(board->left(out, 7).mark == Mark::kSettled);

  // Between taking bytes from the pipe and writing them: in doubt.
  board->reading(out);
  CHECK(board->left(out, 7).mark == Mark::kReading);
  // Written, with the start of an unfinished line kept.
  REQUIRE(board->settle(out, "line 12"));
  auto left = board->left(out, 7);
  CHECK(left.mark == Mark::kSettled);
  CHECK(left.pending == "line 12");
  REQUIRE(board->settle(out, ""));
  CHECK(board->left(out, 7).pending.empty());

  // Too long for the board: in doubt until the record holding it reached the holder.
  board->reading(err);
  CHECK_FALSE(board->settle(err, std::string(OutputBoard::kPendingBytes + 1, 'x')));
  CHECK(board->left(err, 8).mark == Mark::kReading);
  board->in_record(err);
  CHECK(board->left(err, 8).mark == Mark::kInRecord);

  // A record's claim is checked: out of range, or another owner's, is not held.
  CHECK(board->holds(out, 7));
  CHECK_FALSE(board->holds(out, 8));
  CHECK_FALSE(board->holds(-1, 7));
  CHECK_FALSE(board->holds(static_cast<int>(OutputBoard::kSlots), 7));
  CHECK_FALSE(board->holds(1 << 30, 7));
  // Another owner's view of a slot (a stale record) tells nothing.
  CHECK(board->left(out, 8).mark == Mark::kFree);
  CHECK(board->left(-1, 7).mark == Mark::kFree);
  CHECK(board->left(static_cast<int>(OutputBoard::kSlots), 7).mark == Mark::kFree);
  board->release(out, 7);
  CHECK(board->left(out, 7).mark == Mark::kFree);
  CHECK(board->used() == 1);
}

TEST_CASE("the next pmd continues the line the board or the record says, and skips a line in doubt", "[handover]") {
  CHECK(continue_from({Mark::kSettled, "abc"}, "stale").pending == "abc");
  CHECK_FALSE(continue_from({Mark::kSettled, "abc"}, "stale").in_doubt);
  CHECK(continue_from({Mark::kInRecord, ""}, "long line start").pending == "long line start");
  CHECK(continue_from({Mark::kFree, ""}, "from an older pmd").pending == "from an older pmd");
  const auto doubt = continue_from({Mark::kReading, ""}, "stale");
  CHECK(doubt.in_doubt);
  CHECK(doubt.pending.empty());
}

TEST_CASE("a board survives its pmd: another mapping of the same memfd reads what was left", "[handover]") {
  std::string error;
  auto board = OutputBoard::create(error);
  REQUIRE(board);
  const int slot = board->claim(42);
  REQUIRE(board->settle(slot, "half a li"));
  const int other = board->claim(43);
  board->reading(other);
  auto next = OutputBoard::adopt(::fcntl(board->fd(), F_DUPFD_CLOEXEC, 0), error);
  REQUIRE(next);
  CHECK(next->used() == 2);
  CHECK(next->left(slot, 42).pending == "half a li");
  CHECK(next->left(other, 43).mark == Mark::kReading);
  // A new claim never takes a slot the previous pmd's readers hold.
  const int fresh = next->claim(44);
  CHECK(fresh != slot);
  CHECK(fresh != other);
}

TEST_CASE("a memfd that is not a sealed board of this format is refused, never mapped blindly", "[handover]") {
  std::string error;
  int small = ::memfd_create("not-a-board", MFD_CLOEXEC);
  REQUIRE(::ftruncate(small, 4096) == 0);
  CHECK_FALSE(OutputBoard::adopt(small, error));
  CHECK_THAT(error, Catch::Contains("not one this pmd reads"));

  // Right size, but shrinkable: a truncation would turn every access into SIGBUS.
  auto board = OutputBoard::create(error);
  REQUIRE(board);
  struct stat st {};
  REQUIRE(::fstat(board->fd(), &st) == 0);
  int unsealed = ::memfd_create("unsealed", MFD_CLOEXEC);
  REQUIRE(::ftruncate(unsealed, st.st_size) == 0);
  error.clear();
  CHECK_FALSE(OutputBoard::adopt(unsealed, error));
  CHECK_FALSE(error.empty());

  // Sealed, right size, wrong content.
  int zeros = ::memfd_create("zeros", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  REQUIRE(::ftruncate(zeros, st.st_size) == 0);
  REQUIRE(::fcntl(zeros, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW) == 0);
  error.clear();
  CHECK_FALSE(OutputBoard::adopt(zeros, error));
  CHECK_THAT(error, Catch::Contains("another format"));
}

TEST_CASE("the log write a killed pmd was making is left on the board for the next, once", "[handover]") {
  std::string error;
  auto board = OutputBoard::create(error);
  REQUIRE(board);
  board->begin("/var/log/app-out.log", 7, 1234, 4096, 65536);
  board->end();
  auto next = OutputBoard::adopt(::fcntl(board->fd(), F_DUPFD_CLOEXEC, 0), error);
  REQUIRE(next);
  CHECK_FALSE(next->take_write_in_flight());                   // ended: nothing in flight
  board->begin("/var/log/app-out.log", 7, 1234, 4096, 65536);  // and then SIGKILL
  auto w = next->take_write_in_flight();
  REQUIRE(w);
  CHECK(w->path == "/var/log/app-out.log");
  CHECK(w->device == 7);
  CHECK(w->inode == 1234);
  CHECK(w->offset == 4096);
  CHECK(w->length == 65536);
  CHECK_FALSE(next->take_write_in_flight());
}
