// OutputBoard: a sealed memfd mapped shared; a header, a dense array of slot heads (so the pages
// every read touches are few), then a fixed area per slot for its unfinished line.
#include "handover/output_board.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

namespace pmd::handover {

namespace {
constexpr std::uint64_t kMagic = 0x31647262646d70ULL;  // "pmdbrd1"
constexpr std::uint32_t kBoardFormat = 1;
constexpr std::size_t kHeadBytes = 64;
}  // namespace

struct OutputBoard::Head {
  std::uint64_t magic;
  std::uint32_t format;
  std::uint32_t slots;
  std::uint32_t pending_bytes;
};

// The log write under way (WriteJournal), after the slots' areas.
struct OutputBoard::WriteNote {
  std::uint32_t under_way;  // read and written through std::atomic_ref, after the fields
  std::uint32_t path_length;
  std::uint64_t device;
  std::uint64_t inode;
  std::uint64_t offset;
  std::uint64_t length;
  char path[4096];
};

struct OutputBoard::SlotHead {
  std::uint32_t mark;  // Mark, read and written through std::atomic_ref
  std::uint32_t pending_length;
  std::uint64_t owner;
};

namespace {
constexpr std::size_t kHeadsBytes = sizeof(std::uint32_t) * 4 * OutputBoard::kSlots;
constexpr std::size_t kSlotTextBytes = OutputBoard::kPendingBytes * OutputBoard::kSlots;
constexpr std::size_t kWriteNoteBytes = 8192;
constexpr std::size_t kBoardBytes = kHeadBytes + kHeadsBytes + kSlotTextBytes + kWriteNoteBytes;

std::uint32_t load_mark(const std::uint32_t& mark) {
  return std::atomic_ref<std::uint32_t>(const_cast<std::uint32_t&>(mark)).load(std::memory_order_acquire);
}
void store_mark(std::uint32_t& mark, OutputBoard::Mark m) {
  std::atomic_ref<std::uint32_t>(mark).store(static_cast<std::uint32_t>(m), std::memory_order_release);
}

// The whole board mapped shared; on failure the fd is closed and `error` says why.
void* map_or_close(int fd, const char* what, std::string& error) {
  void* base = ::mmap(nullptr, kBoardBytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (base != MAP_FAILED) return base;
  error = what + std::string(std::strerror(errno));
  ::close(fd);
  return nullptr;
}
}  // namespace

static_assert(sizeof(std::uint32_t) * 4 == 16, "a slot head is 16 bytes");

std::unique_ptr<OutputBoard> OutputBoard::create(std::string& error) {
  int fd = ::memfd_create("pmd-output-board", MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) {
    error = std::string("cannot create the output board: ") + std::strerror(errno);
    return nullptr;
  }
  // Sparse: only the pages touched cost memory.
  if (::ftruncate(fd, static_cast<off_t>(kBoardBytes)) != 0 ||
      ::fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) != 0) {
    error = std::string("cannot size the output board: ") + std::strerror(errno);
    ::close(fd);
    return nullptr;
  }
  void* base = map_or_close(fd, "cannot map the output board: ", error);
  if (!base) return nullptr;
  static_assert(sizeof(SlotHead) == 16, "kHeadsBytes counts 16 bytes a slot");
  auto* head = static_cast<Head*>(base);
  head->format = kBoardFormat;
  head->slots = kSlots;
  head->pending_bytes = kPendingBytes;
  head->magic = kMagic;
  return std::unique_ptr<OutputBoard>(new OutputBoard(fd, static_cast<char*>(base)));
}

std::unique_ptr<OutputBoard> OutputBoard::adopt(int fd, std::string& error) {
  struct stat st {};
  const int seals = ::fcntl(fd, F_GET_SEALS);
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || static_cast<std::size_t>(st.st_size) != kBoardBytes ||
      seals < 0 || !(seals & F_SEAL_SHRINK)) {
    error = "the output board left by the previous pmd is not one this pmd reads";
    ::close(fd);
    return nullptr;
  }
  void* base = map_or_close(fd, "cannot map the previous pmd's output board: ", error);
  if (!base) return nullptr;
  const auto* head = static_cast<const Head*>(base);
  if (head->magic != kMagic || head->format != kBoardFormat || head->slots != kSlots ||
      head->pending_bytes != kPendingBytes) {
    error = "the output board left by the previous pmd is of another format";
    ::munmap(base, kBoardBytes);
    ::close(fd);
    return nullptr;
  }
  std::unique_ptr<OutputBoard> board(new OutputBoard(fd, static_cast<char*>(base)));
  for (std::uint32_t i = 0; i < kSlots; ++i) board->used_ += board->head_of(static_cast<int>(i))->owner != 0;
  return board;
}

OutputBoard::OutputBoard(int fd, char* base) : fd_(fd), base_(base) {}

OutputBoard::~OutputBoard() {
  ::munmap(base_, kBoardBytes);
  ::close(fd_);
}

OutputBoard::SlotHead* OutputBoard::head_of(int slot) const {
  return reinterpret_cast<SlotHead*>(base_ + kHeadBytes) + slot;
}

char* OutputBoard::text_of(int slot) const {
  return base_ + kHeadBytes + kHeadsBytes + static_cast<std::size_t>(slot) * kPendingBytes;
}

int OutputBoard::claim(std::uint64_t owner) {
  if (owner == 0 || used_ >= kSlots) return -1;
  for (std::uint32_t n = 0; n < kSlots; ++n) {
    const int slot = static_cast<int>((next_ + n) % kSlots);
    SlotHead* h = head_of(slot);
    if (h->owner != 0) continue;
    h->pending_length = 0;
    h->owner = owner;
    store_mark(h->mark, Mark::kSettled);
    next_ = static_cast<std::uint32_t>(slot + 1) % kSlots;
    ++used_;
    return slot;
  }
  return -1;
}

void OutputBoard::release(int slot, std::uint64_t owner) {
  if (!holds(slot, owner)) return;
  SlotHead* h = head_of(slot);
  store_mark(h->mark, Mark::kFree);
  h->owner = 0;
  h->pending_length = 0;
  --used_;
}

void OutputBoard::reading(int slot) { store_mark(head_of(slot)->mark, Mark::kReading); }

bool OutputBoard::settle(int slot, std::string_view pending) {
  if (pending.size() > kPendingBytes) return false;
  SlotHead* h = head_of(slot);
  if (!pending.empty()) std::memcpy(text_of(slot), pending.data(), pending.size());
  h->pending_length = static_cast<std::uint32_t>(pending.size());
  store_mark(h->mark, Mark::kSettled);
  return true;
}

void OutputBoard::in_record(int slot) {
  SlotHead* h = head_of(slot);
  if (load_mark(h->mark) == static_cast<std::uint32_t>(Mark::kReading)) store_mark(h->mark, Mark::kInRecord);
}

bool OutputBoard::holds(int slot, std::uint64_t owner) const {
  return slot >= 0 && slot < static_cast<int>(kSlots) && owner != 0 && head_of(slot)->owner == owner;
}

OutputBoard::Left OutputBoard::left(int slot, std::uint64_t owner) const {
  Left l;
  if (!holds(slot, owner)) return l;
  const SlotHead* h = head_of(slot);
  const std::uint32_t mark = load_mark(h->mark);
  if (mark > static_cast<std::uint32_t>(Mark::kInRecord)) return l;
  l.mark = static_cast<Mark>(mark);
  if (l.mark == Mark::kSettled)
    l.pending.assign(text_of(slot), std::min<std::size_t>(h->pending_length, kPendingBytes));
  return l;
}

OutputBoard::WriteNote* OutputBoard::write_note() const {
  static_assert(sizeof(WriteNote) <= kWriteNoteBytes, "the write note fits its area");
  return reinterpret_cast<WriteNote*>(base_ + kHeadBytes + kHeadsBytes + kSlotTextBytes);
}

void OutputBoard::begin(std::string_view path, std::uint64_t device, std::uint64_t inode, std::uint64_t offset,
                        std::uint64_t length) {
  WriteNote* w = write_note();
  // A path too long to note (beyond PATH_MAX) is noted empty: that write cannot be repaired.
  const std::size_t n = path.size() < sizeof w->path ? path.size() : 0;
  std::memcpy(w->path, path.data(), n);
  w->path_length = static_cast<std::uint32_t>(n);
  w->device = device;
  w->inode = inode;
  w->offset = offset;
  w->length = length;
  std::atomic_ref<std::uint32_t>(w->under_way).store(1, std::memory_order_release);
}

void OutputBoard::end() { std::atomic_ref<std::uint32_t>(write_note()->under_way).store(0, std::memory_order_release); }

std::optional<WriteInFlight> OutputBoard::take_write_in_flight() {
  WriteNote* w = write_note();
  if (std::atomic_ref<std::uint32_t>(w->under_way).load(std::memory_order_acquire) != 1) return std::nullopt;
  WriteInFlight in_flight;
  in_flight.path.assign(w->path, std::min<std::size_t>(w->path_length, sizeof w->path - 1));
  in_flight.device = w->device;
  in_flight.inode = w->inode;
  in_flight.offset = w->offset;
  in_flight.length = w->length;
  end();
  return in_flight;
}

Continuation continue_from(const OutputBoard::Left& left, std::string record_pending) {
  switch (left.mark) {
    case OutputBoard::Mark::kSettled: return {left.pending, false};
    case OutputBoard::Mark::kReading: return {{}, true};
    case OutputBoard::Mark::kInRecord:
    case OutputBoard::Mark::kFree: break;
  }
  return {std::move(record_pending), false};
}

}  // namespace pmd::handover
