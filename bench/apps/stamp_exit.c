/* A program that notes when it starts and when it exits, for bench/respawn.sh: appends
 * "start NS" to $STAMPS as its first act, runs RUN_MS milliseconds (default 1100: longer than
 * min_uptime, so every exit is a stable app's crash), appends "exit NS" and exits with 1.
 * Built static, so its own start-up is an exec and nothing more. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static void note(int fd, const char* what, long long ns) {
  char line[64];
  int n = snprintf(line, sizeof line, "%s %lld\n", what, ns);
  if (n > 0 && write(fd, line, (size_t)n) != n) _exit(2);
}

int main(void) {
  const long long started = now_ns();
  const char* path = getenv("STAMPS");
  const char* run = getenv("RUN_MS");
  int fd = path ? open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644) : -1;
  if (fd < 0) return 2;
  note(fd, "start", started);
  usleep((useconds_t)(run ? atoi(run) : 1100) * 1000);
  note(fd, "exit", now_ns());
  _exit(1);
}
