// Starting a child the way posix_spawn does (sharing the daemon's memory until it execs, the
// daemon waiting meanwhile), optionally born in a cgroup: clone3 with CLONE_VM | CLONE_VFORK |
// CLONE_INTO_CGROUP. glibc 2.36 has no wrapper that runs a function on a new stack with clone3
// (its clone() is the old call, without a cgroup), so this is a small trampoline in assembly.
#pragma once

#include <sys/types.h>

#include <cstddef>

namespace pmd {

/// Whether this build has the trampoline (x86-64 and AArch64); elsewhere the callers fork.
bool can_clone_sharing_memory();

/// Runs `child(arg)` in a new process on `stack` (its lowest address; `stack_size` bytes, 16-byte
/// aligned) that shares the caller's memory and exits with its return value; the caller is
/// suspended until the child execs or exits. With `cgroup_fd` >= 0 the child is born in that
/// cgroup (a directory fd of cgroup v2). Returns the child's pid, or -1 with errno (ENOSYS where
/// clone3 or the trampoline is missing; EINVAL/EOPNOTSUPP where the cgroup cannot be used).
pid_t clone_sharing_memory(int (*child)(void*), void* arg, void* stack, std::size_t stack_size, int cgroup_fd);

}  // namespace pmd
