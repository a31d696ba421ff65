/* The native log writer: FLOOD_LINES numbered lines in bench/apps/flood.js's format
 * ("<instance> <n> <60 dots>"), through stdio with its default full buffering on a pipe, so the
 * lines reach the pipe in 4 KiB blocks cut anywhere: what a C, Go or Rust program's output looks
 * like to its manager, at the speed of the machine rather than of a Node event loop. */
#include <stdio.h>
#include <stdlib.h>

int main(void) {
  const char* instance = getenv("NODE_APP_INSTANCE");
  const char* total_text = getenv("FLOOD_LINES");
  const long total = total_text ? atol(total_text) : 100000;
  for (long n = 0; n < total; ++n)
    printf("%s %ld ............................................................\n", instance ? instance : "0", n);
  return 0;
}
