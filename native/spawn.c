// spawn / spawnAsync: check scripts started with posix_spawn, which glibc does with
// CLONE_VM|CLONE_VFORK (no copy of the daemon's page tables per run; fork() of a 150 MB process
// cost more than the check itself). run_watch.c sees each run through to its exit.
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
#include "napi_util.h"
#include <uv.h>

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

int TsvrrpdEnterNetns(void); /* netns.c */

static void SpawnExecute(napi_env env, void *data) {
  (void)env;
  SpawnJob *j = (SpawnJob *)data;
  // net_namespace: this pool thread may predate setNetns; the script runs in the daemon's namespace.
  int ns = TsvrrpdEnterNetns();
  j->err = ns ? -ns : (!j->args || !j->envp) ? ENOMEM : DoSpawn(j->file, j->args, j->envp, &j->pid, &j->fd);
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
