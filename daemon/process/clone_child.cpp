// The trampoline: clone3, then in the child (on its own stack, set by the kernel) the function,
// then exit with its result. The parent returns what the kernel gave it. Registers that survive
// a system call carry the function and its argument across it.
#include "process/clone_child.h"

#include <linux/sched.h>
#include <signal.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstdint>

extern "C" long pmd_clone3_run(clone_args* args, std::size_t size, int (*child)(void*), void* arg);

#if defined(__x86_64__)
__asm__(
    ".text\n"
    ".globl pmd_clone3_run\n"
    ".type pmd_clone3_run, @function\n"
    "pmd_clone3_run:\n"
    "  .cfi_startproc\n"
    "  mov %rdx, %r8\n"  // the function and its argument: r8 and r9 survive syscall
    "  mov %rcx, %r9\n"
    "  mov $435, %eax\n"  // __NR_clone3
    "  syscall\n"
    "  test %rax, %rax\n"
    "  jz 1f\n"
    "  ret\n"  // the parent (or an error)
    "1:\n"
    "  .cfi_undefined rip\n"  // the child: nothing to unwind to
    "  xor %ebp, %ebp\n"
    "  mov %r9, %rdi\n"
    "  call *%r8\n"
    "  mov %eax, %edi\n"
    "  mov $60, %eax\n"  // __NR_exit
    "  syscall\n"
    "  hlt\n"
    "  .cfi_endproc\n"
    ".size pmd_clone3_run, .-pmd_clone3_run\n");
#define PMD_HAVE_CLONE3_RUN 1
#elif defined(__aarch64__)
__asm__(
    ".text\n"
    ".globl pmd_clone3_run\n"
    ".type pmd_clone3_run, %function\n"
    "pmd_clone3_run:\n"
    "  .cfi_startproc\n"
    "  mov x8, #435\n"  // __NR_clone3; x2 and x3 survive svc
    "  svc #0\n"
    "  cbz x0, 1f\n"
    "  ret\n"
    "1:\n"
    "  .cfi_undefined x30\n"
    "  mov x29, xzr\n"
    "  mov x0, x3\n"
    "  blr x2\n"
    "  mov x8, #93\n"  // __NR_exit
    "  svc #0\n"
    "  brk #0\n"
    "  .cfi_endproc\n"
    ".size pmd_clone3_run, .-pmd_clone3_run\n");
#define PMD_HAVE_CLONE3_RUN 1
#endif

namespace pmd {

bool can_clone_sharing_memory() {
#ifdef PMD_HAVE_CLONE3_RUN
  return true;
#else
  return false;
#endif
}

pid_t clone_sharing_memory(int (*child)(void*), void* arg, void* stack, std::size_t stack_size, int cgroup_fd) {
#ifdef PMD_HAVE_CLONE3_RUN
  clone_args args{};
  args.flags = CLONE_VM | CLONE_VFORK | (cgroup_fd >= 0 ? CLONE_INTO_CGROUP : 0);
  args.exit_signal = SIGCHLD;
  args.stack = reinterpret_cast<std::uintptr_t>(stack);
  args.stack_size = stack_size;
  if (cgroup_fd >= 0) args.cgroup = static_cast<std::uint64_t>(cgroup_fd);
  const long result = pmd_clone3_run(&args, sizeof args, child, arg);
  if (result < 0 && result > -4096) {
    errno = static_cast<int>(-result);
    return -1;
  }
  return static_cast<pid_t>(result);
#else
  (void)child, (void)arg, (void)stack, (void)stack_size, (void)cgroup_fd;
  errno = ENOSYS;
  return -1;
#endif
}

}  // namespace pmd
