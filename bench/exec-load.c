// exec-load RATE [PROGRAM]: starts PROGRAM (default /bin/true) RATE times a second, evenly spaced,
// and reaps it, until killed. The scale bench runs it beside two plain daemons to give them the
// exec load of 255 checks a second on each router without either daemon doing the spawning: what
// the host's CPUs allow for advert timing under that load, for keepalived and tsvrrpd alike. In C
// with posix_spawn (vfork-like) so the generator itself adds as little as possible.
#define _GNU_SOURCE
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>

extern char **environ;

int main(int argc, char **argv) {
  double rate = argc > 1 ? atof(argv[1]) : 0;
  if (rate <= 0) return 2;
  char *prog = argc > 2 ? argv[2] : "/bin/true";
  char *args[] = {prog, NULL};
  long step = (long)(1e9 / rate);
  struct timespec next;
  clock_gettime(CLOCK_MONOTONIC, &next);
  for (;;) {
    next.tv_nsec += step;
    while (next.tv_nsec >= 1000000000L) {
      next.tv_nsec -= 1000000000L;
      next.tv_sec++;
    }
    clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    pid_t pid;
    posix_spawn(&pid, prog, NULL, NULL, args, environ);
    while (waitpid(-1, NULL, WNOHANG) > 0) {
    }
  }
}
