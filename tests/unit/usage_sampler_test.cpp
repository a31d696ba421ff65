// The sampler against real processes: a tree with a setsid() grandchild and a double-forked
// orphan adopted by the (subreaper) sampler process, next to a process that is not ours.
#include "process/usage_sampler.h"

#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

constexpr std::size_t kGrandchildBytes = 40u << 20;

void hold_memory_and_wait(int ready_fd, char tag, std::size_t bytes) {
  if (bytes > 0) {
    auto* block = static_cast<char*>(std::malloc(bytes));
    std::memset(block, 1, bytes);  // touched, so it is resident
    // The block is never read: without this the optimiser may drop the malloc and the memset.
    __asm__ volatile("" : : "r"(block) : "memory");
  }
  (void)!::write(ready_fd, &tag, 1);
  for (;;) ::pause();
}

struct Tree {
  pid_t root = 0, setsid_child = 0, orphan = 0, stranger = 0;
};

// root ─┬─ setsid_child (holds 40 MiB)
//       └─ middle (exits) ─ orphan (PMD_UNIT=<unit>, adopted by this process)
// stranger: a sibling of root, not in its tree.
Tree make_tree(const char* unit) {
  int pipes[2];
  REQUIRE(::pipe(pipes) == 0);
  int info[2];  // the root reports its children's pids
  REQUIRE(::pipe(info) == 0);
  Tree t;
  t.root = ::fork();
  if (t.root == 0) {
    pid_t pids[2] = {0, 0};
    pids[0] = ::fork();
    if (pids[0] == 0) {
      ::setsid();
      hold_memory_and_wait(pipes[1], 's', kGrandchildBytes);
    }
    int relay[2];
    (void)!::pipe(relay);
    pid_t middle = ::fork();
    if (middle == 0) {
      pid_t orphan = ::fork();
      if (orphan == 0) {
        // The marker must be in the environment it was exec'd with (what /proc/<pid>/environ shows).
        std::string marker = std::string("PMD_UNIT=") + unit;
        char* envp[] = {marker.data(), nullptr};
        ::dup2(pipes[1], 3);
        ::execle("/bin/sh", "sh", "-c", "printf o >&3; exec sleep 1000", static_cast<char*>(nullptr), envp);
        ::_exit(127);
      }
      (void)!::write(relay[1], &orphan, sizeof orphan);
      ::_exit(0);
    }
    (void)!::read(relay[0], &pids[1], sizeof pids[1]);
    ::waitpid(middle, nullptr, 0);
    (void)!::write(info[1], pids, sizeof pids);
    hold_memory_and_wait(pipes[1], 'r', 0);
  }
  t.stranger = ::fork();
  if (t.stranger == 0) hold_memory_and_wait(pipes[1], 'x', 0);
  pid_t pids[2];
  REQUIRE(::read(info[0], pids, sizeof pids) == sizeof pids);
  t.setsid_child = pids[0];
  t.orphan = pids[1];
  char tags[4];
  for (std::size_t got = 0; got < sizeof tags;) {
    ssize_t n = ::read(pipes[0], tags + got, sizeof tags - got);
    REQUIRE(n > 0);
    got += static_cast<std::size_t>(n);
  }
  for (int fd : {pipes[0], pipes[1], info[0], info[1]}) ::close(fd);
  return t;
}

void end_tree(const Tree& t) {
  for (pid_t p : {t.setsid_child, t.orphan, t.stranger, t.root}) ::kill(p, SIGKILL);
  for (pid_t p : {t.root, t.stranger, t.orphan, t.setsid_child}) ::waitpid(p, nullptr, 0);
}

}  // namespace

TEST_CASE("a root's whole tree is measured: setsid children and adopted orphans too", "[sampler]") {
  REQUIRE(::prctl(PR_SET_CHILD_SUBREAPER, 1) == 0);
  Tree t = make_tree("unit-for-test");

  SECTION("with the launch's unit, the orphan counts") {
    pmd::UsageSampler sampler;
    auto usage = sampler.sample({{t.root, "unit-for-test"}});
    REQUIRE(usage.size() == 1);
    CHECK(usage[0].processes == 3);  // root, setsid child, orphan; not the stranger
    CHECK(usage[0].rss_bytes >= kGrandchildBytes);
    CHECK(sampler.followed() == 3);
    // Later rounds re-read the open stat files and agree.
    auto again = sampler.sample({{t.root, "unit-for-test"}});
    CHECK(again[0].processes == 3);
    CHECK(again[0].rss_bytes >= kGrandchildBytes);
  }
  SECTION("another launch's orphan does not count") {
    pmd::UsageSampler sampler;
    auto usage = sampler.sample({{t.root, "some-other-unit"}});
    CHECK(usage[0].processes == 2);
  }
  SECTION("a process that exits leaves the tree at the next round") {
    pmd::UsageSampler sampler;
    const auto first = sampler.sample({{t.root, "unit-for-test"}})[0];
    CHECK(first.processes == 3);
    // It stays a zombie (rss 0) of the root, which never reaps it: wait for that state.
    ::kill(t.setsid_child, SIGKILL);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (pmd::read_proc_entry(t.setsid_child).value_or(pmd::ProcEntry{}).state != 'Z' &&
           std::chrono::steady_clock::now() < deadline)
      ::usleep(1000);
    auto after = sampler.sample({{t.root, "unit-for-test"}});
    // Its memory is gone from the total (compared, not absolute: a sanitized build's processes
    // carry large shadow memory of their own).
    CHECK(after[0].rss_bytes + kGrandchildBytes / 2 < first.rss_bytes);
  }
  end_tree(t);
  ::prctl(PR_SET_CHILD_SUBREAPER, 0);
}

TEST_CASE("a root that is gone has no usage", "[sampler]") {
  pmd::UsageSampler sampler;
  pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  ::waitpid(child, nullptr, 0);
  auto usage = sampler.sample({{child, ""}});
  CHECK(usage[0].processes == 0);
}

TEST_CASE("statm's resident field is read in pages", "[sampler]") {
  CHECK(pmd::parse_statm_rss_pages("2345 678 90 1 0 300 0\n") == 678u);
  CHECK_FALSE(pmd::parse_statm_rss_pages(""));
  CHECK_FALSE(pmd::parse_statm_rss_pages("2345"));
}

TEST_CASE("a busy process shows CPU use, an idle one none", "[sampler]") {
  pid_t busy = ::fork();
  if (busy == 0)
    for (;;) __asm__ volatile("" ::: "memory");  // spin
  pid_t idle = ::fork();
  if (idle == 0)
    for (;;) ::pause();
  pmd::UsageSampler sampler;
  double busy_cpu = 0, idle_cpu = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (busy_cpu < 20 && std::chrono::steady_clock::now() < deadline) {
    ::usleep(100 * 1000);  // the measuring interval
    auto usage = sampler.sample({{busy, ""}, {idle, ""}});
    busy_cpu = usage[0].cpu_percent;
    idle_cpu = usage[1].cpu_percent;
  }
  CHECK(busy_cpu >= 20);
  CHECK(idle_cpu < 5);
  for (pid_t p : {busy, idle}) {
    ::kill(p, SIGKILL);
    ::waitpid(p, nullptr, 0);
  }
}

TEST_CASE("pacing: a working process is read every round, an idle one once in its turn, memory under a limit always",
          "[sampler]") {
  using pmd::SampleRead;
  using pmd::UsageSampler;
  auto full_reads = [](bool idle, bool memory, pid_t pid, int idle_rounds, std::uint64_t rounds) {
    int all = 0, memory_only = 0;
    for (std::uint64_t round = 0; round < rounds; ++round) {
      auto what = pmd::read_this_round(idle, memory, round, pid, idle_rounds);
      all += what == SampleRead::kAll;
      memory_only += what == SampleRead::kMemory;
    }
    return std::pair{all, memory_only};
  };
  // Over 600 rounds (10 minutes at the default interval).
  CHECK(full_reads(false, false, 4242, UsageSampler::kQuietRounds, 600) == std::pair{600, 0});
  CHECK(full_reads(true, false, 4242, UsageSampler::kSlowRounds, 600) == std::pair{120, 0});
  const int quiet = 600 / UsageSampler::kQuietRounds;
  CHECK(full_reads(true, false, 4242, UsageSampler::kQuietRounds, 600) == std::pair{quiet, 0});
  CHECK(full_reads(true, true, 4242, UsageSampler::kQuietRounds, 600) == std::pair{quiet, 600 - quiet});
  // Idle processes take turns: in any one round only about one in idle_rounds is read.
  int read_now = 0;
  for (pid_t pid = 1000; pid < 7000; ++pid)
    read_now += pmd::read_this_round(true, false, 17, pid, UsageSampler::kQuietRounds) == SampleRead::kAll;
  CHECK(read_now == 6000 / UsageSampler::kQuietRounds);
}

TEST_CASE("past its budget of open files the sampler still measures every process, opening files per read",
          "[sampler]") {
  pid_t kids[3];
  for (pid_t& kid : kids) {
    kid = ::fork();
    if (kid == 0)
      for (;;) ::pause();
  }
  pmd::UsageSampler sampler;
  sampler.set_file_budget(1);
  std::vector<pmd::TreeRoot> roots;
  for (pid_t kid : kids) roots.push_back({kid, "", true});
  for (int round = 0; round < 3; ++round) {
    auto usage = sampler.sample(roots);
    for (const auto& tree : usage) {
      CHECK(tree.processes == 1);
      CHECK(tree.rss_bytes > 0);
    }
  }
  CHECK(sampler.files_open() == 1);
  // One that exits (one kept open or not) is found gone.
  for (pid_t kid : {kids[0], kids[2]}) {
    ::kill(kid, SIGKILL);
    ::waitpid(kid, nullptr, 0);
  }
  auto usage = sampler.sample(roots);
  CHECK(usage[0].processes == 0);
  CHECK(usage[1].processes == 1);
  CHECK(usage[2].processes == 0);
  CHECK(sampler.files_open() <= 1);
  ::kill(kids[1], SIGKILL);
  ::waitpid(kids[1], nullptr, 0);
}
