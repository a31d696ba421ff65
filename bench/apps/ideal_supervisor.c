/* The floor for bench/respawn.sh: a supervisor that does nothing but wait for its child and
 * fork+exec it again, COUNT times. What pmd or PM2 take beyond this is their own. */
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 3) return 2;
  const int count = atoi(argv[1]);
  for (int i = 0; i < count; ++i) {
    pid_t child = fork();
    if (child == 0) {
      execv(argv[2], argv + 2);
      _exit(127);
    }
    int status;
    if (child < 0 || waitpid(child, &status, 0) < 0) return 1;
  }
  return 0;
}
