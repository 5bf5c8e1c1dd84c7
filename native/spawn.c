// spawn / spawnAsync / watchExit: check scripts started with posix_spawn, which glibc does with
// CLONE_VM|CLONE_VFORK (no copy of the daemon's page tables per run; fork() of a 150 MB process
// cost more than the check itself), and exits seen through a pidfd.
// spawnAsync runs posix_spawn on libuv's thread pool: the vfork suspends only the calling thread
// until the child has exec'd (~1 ms here), so the event loop (advert deadlines) never waits.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

#define CHECK(call)                                                         \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      napi_throw_error(env, NULL, "tsvrrpd_native: N-API call failed");     \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

static char **StringArray(napi_env env, napi_value arr) {
  uint32_t n = 0;
  if (napi_get_array_length(env, arr, &n) != napi_ok) return NULL;
  char **out = calloc(n + 1, sizeof(char *));
  if (!out) return NULL;
  for (uint32_t i = 0; i < n; i++) {
    napi_value v;
    size_t len = 0;
    if (napi_get_element(env, arr, i, &v) != napi_ok || napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) goto fail;
    out[i] = malloc(len + 1);
    if (!out[i] || napi_get_value_string_utf8(env, v, out[i], len + 1, &len) != napi_ok) goto fail;
  }
  return out;
fail:
  for (uint32_t i = 0; i < n; i++) free(out[i]);
  free(out);
  return NULL;
}

static void FreeArray(char **a) {
  if (!a) return;
  for (char **p = a; *p; p++) free(*p);
  free(a);
}

/* The child: its own process group, stdin /dev/null, stdout and stderr into a pipe whose read
 * end is returned in *out_fd, default signal dispositions and an empty mask. Returns an errno. */
static int DoSpawn(const char *file, char **args, char **envp, pid_t *out_pid, int *out_fd) {
  int fds[2] = {-1, -1};
  if (pipe2(fds, O_CLOEXEC) != 0) return errno;
  posix_spawn_file_actions_t fa;
  posix_spawnattr_t at;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
  posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
#if __GLIBC_PREREQ(2, 34)
  /* Every other descriptor closes in the child, whatever its close-on-exec flag: no per-run
   * cloexecAll() pass over /proc/self/fd is needed (keepalived opens all with SOCK_CLOEXEC). */
  posix_spawn_file_actions_addclosefrom_np(&fa, 3);
#endif
  posix_spawnattr_init(&at);
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  sigdelset(&all, SIGKILL);
  sigdelset(&all, SIGSTOP);
  posix_spawnattr_setsigmask(&at, &none);
  posix_spawnattr_setsigdefault(&at, &all);
  posix_spawnattr_setpgroup(&at, 0);
  posix_spawnattr_setflags(&at, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_USEVFORK);
  pid_t pid = -1;
  int err = posix_spawn(&pid, file, &fa, &at, args, envp);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&at);
  close(fds[1]);
  if (err) {
    close(fds[0]);
    return err;
  }
  *out_pid = pid;
  *out_fd = fds[0];
  return 0;
}

/* Node's wording for a failed spawn: "spawn FILE ENOENT". */
static napi_value SpawnError(napi_env env, const char *file, int err) {
  char msg[4200];
  const char *code = strerrorname_np(err);
  snprintf(msg, sizeof msg, "spawn %s %s", file, code ? code : "EUNKNOWN");
  napi_value m, c, e;
  if (napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m) != napi_ok) return NULL;
  if (napi_create_string_utf8(env, code ? code : "EUNKNOWN", NAPI_AUTO_LENGTH, &c) != napi_ok) return NULL;
  if (napi_create_error(env, c, m, &e) != napi_ok) return NULL;
  return e;
}

static napi_value PidAndFd(napi_env env, pid_t pid, int fd) {
  napi_value out, v;
  CHECK(napi_create_array_with_length(env, 2, &out));
  CHECK(napi_create_int32(env, pid, &v));
  CHECK(napi_set_element(env, out, 0, v));
  CHECK(napi_create_int32(env, fd, &v));
  CHECK(napi_set_element(env, out, 1, v));
  return out;
}

/* spawn(file, argv, envp): [pid, fd of the read end of stdout+stderr]. Throws on failure. */
napi_value Spawn(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char file[4096];
  size_t flen = 0;
  CHECK(napi_get_value_string_utf8(env, argv[0], file, sizeof file, &flen));
  char **args = StringArray(env, argv[1]);
  char **envp = StringArray(env, argv[2]);
  pid_t pid = -1;
  int fd = -1;
  int err = (!args || !envp) ? ENOMEM : DoSpawn(file, args, envp, &pid, &fd);
  FreeArray(args);
  FreeArray(envp);
  if (err) {
    napi_value e = SpawnError(env, file, err);
    if (e) napi_throw(env, e);
    return NULL;
  }
  return PidAndFd(env, pid, fd);
}

typedef struct {
  napi_async_work work;
  napi_ref cb;
  char file[4096];
  char **args;
  char **envp;
  pid_t pid;
  int fd;
  int err;
} SpawnJob;

static void SpawnExecute(napi_env env, void *data) {
  (void)env;
  SpawnJob *j = (SpawnJob *)data;
  j->err = (!j->args || !j->envp) ? ENOMEM : DoSpawn(j->file, j->args, j->envp, &j->pid, &j->fd);
}

static void SpawnComplete(napi_env env, napi_status status, void *data) {
  SpawnJob *j = (SpawnJob *)data;
  if (status == napi_cancelled && !j->err) j->err = ECANCELED;
  napi_value cb, global, argv[2], result;
  if (napi_get_reference_value(env, j->cb, &cb) == napi_ok && napi_get_global(env, &global) == napi_ok) {
    if (j->err) {
      argv[0] = SpawnError(env, j->file, j->err);
      napi_get_undefined(env, &argv[1]);
    } else {
      napi_get_null(env, &argv[0]);
      argv[1] = PidAndFd(env, j->pid, j->fd);
    }
    if (argv[0] && argv[1]) napi_call_function(env, global, cb, 2, argv, &result);
  }
  napi_delete_reference(env, j->cb);
  napi_delete_async_work(env, j->work);
  FreeArray(j->args);
  FreeArray(j->envp);
  free(j);
}

/* spawnAsync(file, argv, envp, cb(err, [pid, fd])): spawn() on the thread pool. */
napi_value SpawnAsync(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  SpawnJob *j = calloc(1, sizeof *j);
  if (!j) {
    napi_throw_error(env, "ENOMEM", "spawnAsync: out of memory");
    return NULL;
  }
  size_t flen = 0;
  if (napi_get_value_string_utf8(env, argv[0], j->file, sizeof j->file, &flen) != napi_ok) {
    free(j);
    napi_throw_type_error(env, NULL, "spawnAsync(file, argv, envp, cb): file must be a string");
    return NULL;
  }
  j->args = StringArray(env, argv[1]);
  j->envp = StringArray(env, argv[2]);
  CHECK(napi_create_reference(env, argv[3], 1, &j->cb));
  CHECK(napi_create_string_utf8(env, "tsvrrpd:spawn", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, SpawnExecute, SpawnComplete, j, &j->work));
  CHECK(napi_queue_async_work(env, j->work));
  return NULL;
}

typedef struct {
  uv_poll_t poll;
  int pidfd;
  pid_t pid;
  napi_threadsafe_function fn;
} ExitWatch;

typedef struct {
  int32_t code;
  int32_t signal;
} ExitInfo;

static void ExitCallJs(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)context;
  ExitInfo *e = (ExitInfo *)data;
  if (env != NULL && js_cb != NULL) {
    napi_value args[2], undefined;
    napi_create_int32(env, e->code, &args[0]);
    napi_create_int32(env, e->signal, &args[1]);
    napi_get_undefined(env, &undefined);
    napi_call_function(env, undefined, js_cb, 2, args, NULL);
  }
  free(e);
}

static void ExitClosed(uv_handle_t *h) {
  ExitWatch *w = (ExitWatch *)h->data;
  close(w->pidfd);
  free(w);
}

static void OnExit(uv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  ExitWatch *w = (ExitWatch *)h->data;
  int st = 0;
  pid_t r = waitpid(w->pid, &st, WNOHANG);
  if (r == 0) return; /* not yet */
  ExitInfo *e = malloc(sizeof *e);
  if (e) {
    e->code = (r > 0 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
    e->signal = (r > 0 && WIFSIGNALED(st)) ? WTERMSIG(st) : 0;
    if (napi_call_threadsafe_function(w->fn, e, napi_tsfn_nonblocking) != napi_ok) free(e);
  }
  napi_release_threadsafe_function(w->fn, napi_tsfn_release);
  uv_poll_stop(h);
  uv_close((uv_handle_t *)h, ExitClosed);
}

/* watchExit(pid, fn(code, signal)): reaps the child once it exits (a pidfd on the event loop). */
napi_value WatchExit(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], name, out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t pid = 0;
  CHECK(napi_get_value_int32(env, argv[0], &pid));
  int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (pidfd < 0) {
    CHECK(napi_get_boolean(env, 0, &out));
    return out;
  }
  fcntl(pidfd, F_SETFD, FD_CLOEXEC);
  ExitWatch *w = calloc(1, sizeof *w);
  if (!w) {
    close(pidfd);
    CHECK(napi_get_boolean(env, 0, &out));
    return out;
  }
  w->pidfd = pidfd;
  w->pid = pid;
  CHECK(napi_create_string_utf8(env, "tsvrrpd-exit", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, ExitCallJs, &w->fn));
  uv_loop_t *loop = NULL;
  CHECK(napi_get_uv_event_loop(env, &loop));
  uv_poll_init(loop, &w->poll, pidfd);
  w->poll.data = w;
  uv_poll_start(&w->poll, UV_READABLE, OnExit);
  CHECK(napi_get_boolean(env, 1, &out));
  return out;
}


/* spawnClosesDescriptors(): whether spawn() closes every descriptor above stderr in the child. */
napi_value SpawnClosesDescriptors(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
#if __GLIBC_PREREQ(2, 34)
  CHECK(napi_get_boolean(env, 1, &out));
#else
  CHECK(napi_get_boolean(env, 0, &out));
#endif
  return out;
}
