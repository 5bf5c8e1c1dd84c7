// The few system calls Node does not expose that a root daemon needs (see src/daemon/native.ts):
//  - cloexecAll(): FD_CLOEXEC on every open descriptor above stderr. raw-socket, libpcap and the
//    netlink binding open sockets without SOCK_CLOEXEC, so a script started by the daemon would
//    inherit raw and packet sockets (keepalived opens every socket with SOCK_CLOEXEC).
//  - watchSignal(signum, fn): a handler for signals Node cannot name, such as keepalived's JSON
//    signal SIGRTMIN+2, whose default action would end the process.
//  - openlog(ident, facility) / syslog(priority, message): the C library's syslog, as keepalived
//    logs (lib/logger.c: openlog with LOG_PID, vsyslog); Node has no unix datagram sockets.
//  - sdNotify(state): systemd's notify protocol (READY=1, RELOADING=1, STOPPING=1) on
//    $NOTIFY_SOCKET, sent from this process (Type=notify accepts the main PID only).
#define NAPI_VERSION 8
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <stddef.h>
#include <sys/un.h>
#include <syslog.h>
#include <unistd.h>
#include <node_api.h>
#include <uv.h>

#define CHECK(call)                                                         \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      napi_throw_error(env, NULL, "tsvrrpd_native: " #call " failed");      \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

static napi_value CloexecAll(napi_env env, napi_callback_info info) {
  (void)info;
  DIR *d = opendir("/proc/self/fd");
  if (!d) {
    napi_throw_error(env, "ENOENT", "cannot list /proc/self/fd");
    return NULL;
  }
  int own = dirfd(d);
  int changed = 0;
  struct dirent *e;
  while ((e = readdir(d)) != NULL) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    int fd = atoi(e->d_name);
    if (fd <= 2 || fd == own) continue;
    int flags = fcntl(fd, F_GETFD);
    if (flags < 0 || (flags & FD_CLOEXEC)) continue;
    if (fcntl(fd, F_SETFD, flags | FD_CLOEXEC) == 0) changed++;
  }
  closedir(d);
  napi_value out;
  CHECK(napi_create_int32(env, changed, &out));
  return out;
}

typedef struct {
  uv_signal_t handle;
  napi_threadsafe_function fn;
} SignalWatch;

static void OnSignal(uv_signal_t *h, int signum) {
  (void)signum;
  SignalWatch *w = (SignalWatch *)h->data;
  napi_call_threadsafe_function(w->fn, NULL, napi_tsfn_nonblocking);
}

static napi_value WatchSignal(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t signum;
  if (argc < 2 || napi_get_value_int32(env, argv[0], &signum) != napi_ok) {
    napi_throw_type_error(env, NULL, "watchSignal(signum, fn)");
    return NULL;
  }
  struct uv_loop_s *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  SignalWatch *w = calloc(1, sizeof *w);
  if (!w) {
    napi_throw_error(env, "ENOMEM", "out of memory");
    return NULL;
  }
  napi_value name;
  CHECK(napi_create_string_utf8(env, "tsvrrpd-signal", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_threadsafe_function(env, argv[1], NULL, name, 0, 1, NULL, NULL, NULL, NULL, &w->fn));
  CHECK(napi_unref_threadsafe_function(env, w->fn)); // a signal watch never keeps the daemon alive
  uv_signal_init(loop, &w->handle);
  w->handle.data = w;
  int rc = uv_signal_start(&w->handle, OnSignal, signum);
  if (rc != 0) {
    napi_throw_error(env, uv_err_name(rc), uv_strerror(rc));
    return NULL;
  }
  uv_unref((uv_handle_t *)&w->handle);
  return NULL;
}

static napi_value SigRtMin(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_int32(env, SIGRTMIN, &out));
  return out;
}

static napi_value SigRtMax(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value out;
  CHECK(napi_create_int32(env, SIGRTMAX, &out));
  return out;
}

static char syslog_ident[64];

static napi_value OpenLog(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  size_t len = 0;
  int32_t facility = LOG_DAEMON;
  CHECK(napi_get_value_string_utf8(env, argv[0], syslog_ident, sizeof syslog_ident, &len));
  CHECK(napi_get_value_int32(env, argv[1], &facility));
  closelog();
  openlog(syslog_ident, LOG_PID, facility);
  return NULL;
}

static napi_value Syslog(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t priority = LOG_INFO;
  char msg[2048];
  size_t len = 0;
  CHECK(napi_get_value_int32(env, argv[0], &priority));
  CHECK(napi_get_value_string_utf8(env, argv[1], msg, sizeof msg, &len));
  syslog(priority, "%s", msg);
  return NULL;
}

static napi_value SdNotify(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char state[256];
  size_t len = 0;
  CHECK(napi_get_value_string_utf8(env, argv[0], state, sizeof state, &len));
  napi_value out;
  const char *path = getenv("NOTIFY_SOCKET");
  int sent = 0;
  if (path && (path[0] == '/' || path[0] == '@') && strlen(path) < sizeof(((struct sockaddr_un *)0)->sun_path)) {
    struct sockaddr_un sa;
    memset(&sa, 0, sizeof sa);
    sa.sun_family = AF_UNIX;
    size_t plen = strlen(path);
    memcpy(sa.sun_path, path, plen);
    if (path[0] == '@') sa.sun_path[0] = 0; /* abstract namespace */
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd >= 0) {
      socklen_t salen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + (path[0] == '@' ? 0 : 1));
      if (sendto(fd, state, len, MSG_NOSIGNAL, (struct sockaddr *)&sa, salen) == (ssize_t)len) sent = 1;
      close(fd);
    }
  }
  CHECK(napi_get_boolean(env, sent, &out));
  return out;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"cloexecAll", NULL, CloexecAll, NULL, NULL, NULL, napi_default, NULL},
      {"watchSignal", NULL, WatchSignal, NULL, NULL, NULL, napi_default, NULL},
      {"sigrtmin", NULL, SigRtMin, NULL, NULL, NULL, napi_default, NULL},
      {"sigrtmax", NULL, SigRtMax, NULL, NULL, NULL, napi_default, NULL},
      {"openlog", NULL, OpenLog, NULL, NULL, NULL, napi_default, NULL},
      {"syslog", NULL, Syslog, NULL, NULL, NULL, napi_default, NULL},
      {"sdNotify", NULL, SdNotify, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
