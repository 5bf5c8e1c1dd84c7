// watchRun(pid, fd, limit, fn(code, signal, output)): a spawned script seen through to its end on
// the event loop, in C. Its stdout+stderr pipe is drained as it writes (the first `limit` bytes
// kept, the rest dropped, so a chatty script never blocks), its exit is seen on a pidfd and
// reaped, and fn runs once, straight from the poll callback (napi_make_callback: microtasks and
// ticks run after it). With 255 checks a second, a net.Socket per run for the pipe plus a
// threadsafe function (a uv_async handle) for the exit cost the main thread more than the rest of
// the check: perf put ~40 % of its time there.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "napi_util.h"
#include <uv.h>

/* Reads per wake-up: a script that writes without pause cannot hold the loop for long. */
#define MAX_READS 16

typedef struct {
  napi_env env;
  napi_ref fn;
  napi_async_context ctx;
  uv_poll_t exit_poll;
  uv_poll_t out_poll;
  int pidfd;
  int outfd;
  int out_watched; /* out_poll initialised (it must be closed before outfd) */
  int open_handles;
  pid_t pid;
  size_t limit;
  size_t len;
  char *out;
} RunWatch;

static void Free(RunWatch *w) {
  if (w->pidfd >= 0) close(w->pidfd);
  if (w->outfd >= 0) close(w->outfd);
  free(w->out);
  free(w);
}

static void OnClosed(uv_handle_t *h) {
  RunWatch *w = (RunWatch *)h->data;
  if (--w->open_handles == 0) Free(w);
}

/* Drains what the pipe holds now; 1 at end of file (or a read error), 0 when it would block. */
static int Drain(RunWatch *w) {
  char buf[8192];
  for (int i = 0; i < MAX_READS; i++) {
    ssize_t n = read(w->outfd, buf, sizeof buf);
    if (n > 0) {
      size_t keep = w->limit - w->len;
      if ((size_t)n < keep) keep = (size_t)n;
      if (keep > 0 && w->out) {
        memcpy(w->out + w->len, buf, keep);
        w->len += keep;
      }
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    return n < 0 && errno == EAGAIN ? 0 : 1;
  }
  return 0;
}

static void OnOutput(uv_poll_t *h, int status, int events) {
  (void)events;
  RunWatch *w = (RunWatch *)h->data;
  if (status < 0 || Drain(w)) uv_poll_stop(h); /* EOF: the script and its children closed it */
}

static void Report(RunWatch *w, int32_t code, int32_t sig) {
  napi_env env = w->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value args[3];
  if (napi_create_int32(env, code, &args[0]) == napi_ok && napi_create_int32(env, sig, &args[1]) == napi_ok &&
      napi_create_string_utf8(env, w->out ? w->out : "", w->len, &args[2]) == napi_ok)
    CallFromLoop(env, w->ctx, w->fn, 3, args);
  napi_close_handle_scope(env, scope);
}

static void OnExit(uv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  RunWatch *w = (RunWatch *)h->data;
  int st = 0;
  pid_t r = waitpid(w->pid, &st, WNOHANG);
  if (r == 0) return; /* not yet */
  int32_t code = (r > 0 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
  int32_t sig = (r > 0 && WIFSIGNALED(st)) ? WTERMSIG(st) : 0;
  /* What the script wrote just before exiting is still in the pipe. A grandchild that keeps the
   * pipe open does not delay the result (Node's 'exit', not 'close'). */
  if (w->out_watched) {
    Drain(w);
    uv_poll_stop(&w->out_poll);
  }
  uv_poll_stop(h);
  Report(w, code, sig);
  napi_delete_reference(w->env, w->fn);
  napi_async_destroy(w->env, w->ctx);
  uv_close((uv_handle_t *)h, OnClosed);
  if (w->out_watched) uv_close((uv_handle_t *)&w->out_poll, OnClosed);
}

/* watchRun(pid, fd, limit, fn): false (fd left open) when the kernel has no pidfds. */
napi_value WatchRun(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], name, res, out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t pid = 0, fd = -1, limit = 0;
  napi_valuetype type = napi_undefined;
  if (argc < 4 || napi_get_value_int32(env, argv[0], &pid) != napi_ok || napi_get_value_int32(env, argv[1], &fd) != napi_ok ||
      napi_get_value_int32(env, argv[2], &limit) != napi_ok || napi_typeof(env, argv[3], &type) != napi_ok ||
      type != napi_function || pid <= 0 || fd < 0 || limit < 0) {
    napi_throw_type_error(env, NULL, "watchRun(pid, fd, limit, fn): bad arguments");
    return NULL;
  }
  uv_loop_t *loop = NULL;
  CHECK(napi_get_uv_event_loop(env, &loop));
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  RunWatch *w = pidfd < 0 ? NULL : calloc(1, sizeof *w);
  if (!w || uv_poll_init(loop, &w->exit_poll, pidfd) != 0) {
    if (pidfd >= 0) close(pidfd);
    free(w);
    CHECK(napi_get_boolean(env, 0, &out));
    return out;
  }
  fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  w->env = env;
  w->pidfd = pidfd;
  w->outfd = fd; /* owned from here on: closed once both handles are */
  w->pid = pid;
  w->limit = (size_t)limit;
  w->out = limit > 0 ? malloc((size_t)limit) : NULL;
  w->exit_poll.data = w;
  w->open_handles = 1;
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  if (uv_poll_init(loop, &w->out_poll, fd) == 0) {
    w->out_watched = 1;
    w->open_handles++;
    w->out_poll.data = w;
    uv_poll_start(&w->out_poll, UV_READABLE, OnOutput);
  }
  CHECK(napi_create_reference(env, argv[3], 1, &w->fn));
  CHECK(napi_create_string_utf8(env, "tsvrrpd:run", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_object(env, &res));
  CHECK(napi_async_init(env, res, name, &w->ctx));
  /* Referenced: a run in flight keeps the process alive until it is reported. */
  uv_poll_start(&w->exit_poll, UV_READABLE, OnExit);
  CHECK(napi_get_boolean(env, 1, &out));
  return out;
}
