// The few system calls Node does not expose that a root daemon needs (see src/daemon/native.ts):
//  - vrrpSocket / packetSocket: raw VRRP sockets and AF_PACKET sockets (packet.c), every one
//    opened SOCK_CLOEXEC as keepalived opens its sockets.
//  - watchSignal(signum, fn): a handler for signals Node cannot name, such as keepalived's JSON
//    signal SIGRTMIN+2, whose default action would end the process.
//  - openlog(ident, facility) / syslog(priority, message): the C library's syslog, as keepalived
//    logs (lib/logger.c: openlog with LOG_PID, vsyslog); Node has no unix datagram sockets.
//  - procEvents(fn): the netlink process connector (keepalived core/track_process.c), so tracked
//    processes are seen as they fork, exec, change comm and exit, without scanning /proc.
//  - spawn / spawnAsync / watchRun: check scripts through posix_spawn and pidfds (spawn.c,
//    run_watch.c).
//  - sdNotify(state): systemd's notify protocol (READY=1, RELOADING=1, STOPPING=1) on
//    $NOTIFY_SOCKET, sent from this process (Type=notify accepts the main PID only).
//  - preciseTimer(fn): a timerfd for the deadline heap (precise_timer.c).
//  - setNetns(path): net_namespace, setns(CLONE_NEWNET) of the main thread (netns.c).
//  - ifMtu(name): an interface's MTU in the main thread's network namespace (netns.c).
//  - lockMemory() / unlockMemory(): vrrp_no_swap, mlockall / munlockall (keepalived lib/process.c
//    set_process_dont_swap).
//  - setRealtime(priority) / setRtTimeLimit(softUs): vrrp_rt_priority and vrrp_rlimit_rttime for
//    the calling thread (keepalived lib/process.c set_process_priorities).
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <stddef.h>
#include <sys/un.h>
#include <syslog.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <errno.h>
#include <stdio.h>
#include <linux/netlink.h>
#include <linux/connector.h>
#include <linux/cn_proc.h>
#include <unistd.h>
#include "napi_util.h"
#include <uv.h>

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

/* Process events, flattened as [what, pid, what, pid, ...]: 1 fork, 2 exec, 3 exit, 4 comm,
 * 5 lost events (the socket overflowed: rescan). Threads are left out (pid != tgid). */
typedef struct {
  uv_poll_t poll;
  int fd;
  napi_threadsafe_function fn;
} ProcWatch;

typedef struct {
  size_t n;
  int32_t v[];
} ProcBatch;

static void ProcCallJs(napi_env env, napi_value js_cb, void *context, void *data) {
  (void)context;
  ProcBatch *b = (ProcBatch *)data;
  if (env != NULL && js_cb != NULL) {
    napi_value ab, arr, undefined;
    void *mem = NULL;
    if (napi_create_arraybuffer(env, b->n * sizeof(int32_t), &mem, &ab) == napi_ok) {
      memcpy(mem, b->v, b->n * sizeof(int32_t));
      if (napi_create_typedarray(env, napi_int32_array, b->n, ab, 0, &arr) == napi_ok && napi_get_undefined(env, &undefined) == napi_ok)
        napi_call_function(env, undefined, js_cb, 1, &arr, NULL);
    }
  }
  free(b);
}

static void OnProcReadable(uv_poll_t *h, int status, int events) {
  (void)events;
  ProcWatch *w = (ProcWatch *)h->data;
  if (status < 0) return;
  size_t cap = 256, n = 0;
  ProcBatch *b = malloc(sizeof(ProcBatch) + cap * sizeof(int32_t));
  if (!b) return;
  char buf[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
  for (;;) {
    struct sockaddr_nl from;
    socklen_t fromlen = sizeof from;
    ssize_t len = recvfrom(w->fd, buf, sizeof buf, MSG_DONTWAIT, (struct sockaddr *)&from, &fromlen);
    if (len < 0) {
      if (errno == EINTR) continue;
      if (errno == ENOBUFS) {
        if (n + 2 > cap) break;
        b->v[n++] = 5;
        b->v[n++] = 0;
        continue;
      }
      break; /* EAGAIN: drained */
    }
    /* Only the kernel's connector speaks here: a process with CAP_NET_ADMIN can send to this
     * socket's port id, and a forged exit would drop a tracked process. */
    if (fromlen < sizeof from || from.nl_family != AF_NETLINK || from.nl_pid != 0) continue;
    for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)len); nh = NLMSG_NEXT(nh, len)) {
      if (nh->nlmsg_type == NLMSG_ERROR || nh->nlmsg_type == NLMSG_NOOP) continue;
      struct cn_msg *cn = (struct cn_msg *)NLMSG_DATA(nh);
      if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC) continue;
      struct proc_event *ev = (struct proc_event *)cn->data;
      int32_t what = 0, pid = 0;
      switch (ev->what) {
        case PROC_EVENT_FORK:
          if (ev->event_data.fork.child_pid == ev->event_data.fork.child_tgid) what = 1, pid = ev->event_data.fork.child_pid;
          break;
        case PROC_EVENT_EXEC:
          what = 2, pid = ev->event_data.exec.process_tgid;
          break;
        case PROC_EVENT_EXIT:
          if (ev->event_data.exit.process_pid == ev->event_data.exit.process_tgid) what = 3, pid = ev->event_data.exit.process_pid;
          break;
        case PROC_EVENT_COMM:
          if (ev->event_data.comm.process_pid == ev->event_data.comm.process_tgid) what = 4, pid = ev->event_data.comm.process_pid;
          break;
        default:
          break;
      }
      if (!what) continue;
      if (n + 2 > cap) {
        size_t ncap = cap * 2;
        ProcBatch *nb = realloc(b, sizeof(ProcBatch) + ncap * sizeof(int32_t));
        if (!nb) break;
        b = nb, cap = ncap;
      }
      b->v[n++] = what;
      b->v[n++] = pid;
    }
  }
  if (n == 0) {
    free(b);
    return;
  }
  b->n = n;
  if (napi_call_threadsafe_function(w->fn, b, napi_tsfn_nonblocking) != napi_ok) free(b);
}

static napi_value ProcEvents(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], name, out;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd = socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
  int ok = fd >= 0;
  if (ok) {
    struct sockaddr_nl sa;
    memset(&sa, 0, sizeof sa);
    sa.nl_family = AF_NETLINK;
    sa.nl_groups = CN_IDX_PROC;
    sa.nl_pid = 0;
    int rcv = 1 << 20;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
    ok = bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0;
  }
  if (ok) {
    struct {
      struct nlmsghdr nh;
      struct cn_msg cn;
      enum proc_cn_mcast_op op;
    } __attribute__((packed)) req;
    memset(&req, 0, sizeof req);
    req.nh.nlmsg_len = sizeof req;
    req.nh.nlmsg_type = NLMSG_DONE;
    req.cn.id.idx = CN_IDX_PROC;
    req.cn.id.val = CN_VAL_PROC;
    req.cn.len = sizeof(enum proc_cn_mcast_op);
    req.op = PROC_CN_MCAST_LISTEN;
    ok = send(fd, &req, sizeof req, 0) == (ssize_t)sizeof req;
  }
  if (!ok) {
    if (fd >= 0) close(fd);
    CHECK(napi_get_boolean(env, 0, &out));
    return out;
  }
  uv_loop_t *loop = NULL;
  CHECK(napi_get_uv_event_loop(env, &loop));
  ProcWatch *w = calloc(1, sizeof *w);
  if (!w) {
    close(fd);
    CHECK(napi_get_boolean(env, 0, &out));
    return out;
  }
  w->fd = fd;
  CHECK(napi_create_string_utf8(env, "tsvrrpd-proc-events", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, NULL, NULL, NULL, ProcCallJs, &w->fn));
  CHECK(napi_unref_threadsafe_function(env, w->fn));
  uv_poll_init(loop, &w->poll, fd);
  w->poll.data = w;
  uv_poll_start(&w->poll, UV_READABLE, OnProcReadable);
  uv_unref((uv_handle_t *)&w->poll);
  CHECK(napi_get_boolean(env, 1, &out));
  return out;
}

extern char **environ;

/* lockMemory() -> 0 or -errno: every page of the process kept in memory as it is touched
 * (keepalived lib/process.c set_process_dont_swap: MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT). */
static napi_value LockMemory(napi_env env, napi_callback_info info) {
  (void)info;
  int flags = MCL_CURRENT | MCL_FUTURE;
#ifdef MCL_ONFAULT
  flags |= MCL_ONFAULT;
#endif
  return Int(env, mlockall(flags) ? -errno : 0);
}

/* unlockMemory() -> 0 or -errno (keepalived reset_process_dont_swap: munlockall). */
static napi_value UnlockMemory(napi_env env, napi_callback_info info) {
  (void)info;
  return Int(env, munlockall() ? -errno : 0);
}

/* The one argument of setRealtime / setRtTimeLimit, a number >= 0; false with a TypeError thrown
 * (naming `usage`) when there is none. */
static int NonNegativeArg(napi_env env, napi_callback_info info, const char *usage, double *v) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 || napi_get_value_double(env, argv[0], v) != napi_ok ||
      !(*v >= 0)) {
    napi_throw_type_error(env, NULL, usage);
    return 0;
  }
  return 1;
}

/* setRealtime(priority) -> 0 or -errno: SCHED_RR at `priority` for the calling thread, reset on
 * fork so scripts and later threads start as normal tasks (keepalived set_process_priorities);
 * 0 puts the thread back to SCHED_OTHER (reset_priority). */
static napi_value SetRealtime(napi_env env, napi_callback_info info) {
  double priority;
  if (!NonNegativeArg(env, info, "setRealtime(priority)", &priority)) return NULL;
  struct sched_param sp = {.sched_priority = (int)priority};
  return Int(env, sched_setscheduler(0, sp.sched_priority > 0 ? SCHED_RR | SCHED_RESET_ON_FORK : SCHED_OTHER, &sp) ? -errno : 0);
}

/* setRtTimeLimit(softUs) -> 0 or -errno: RLIMIT_RTTIME's soft limit (SIGXCPU when a real-time
 * thread runs that long without blocking); the hard limit, which kills, is left as it is. 0 puts
 * the soft limit back to the hard one. */
static napi_value SetRtTimeLimit(napi_env env, napi_callback_info info) {
  double soft;
  if (!NonNegativeArg(env, info, "setRtTimeLimit(softUs)", &soft)) return NULL;
  struct rlimit rl;
  if (getrlimit(RLIMIT_RTTIME, &rl) != 0) return Int(env, -errno);
  rl.rlim_cur = soft > 0 && (rl.rlim_max == RLIM_INFINITY || (rlim_t)soft < rl.rlim_max) ? (rlim_t)soft : rl.rlim_max;
  return Int(env, setrlimit(RLIMIT_RTTIME, &rl) ? -errno : 0);
}

napi_value PreciseTimerNew(napi_env env, napi_callback_info info); /* precise_timer.c */
napi_value Spawn(napi_env env, napi_callback_info info);         /* spawn.c */
napi_value SpawnAsync(napi_env env, napi_callback_info info);    /* spawn.c */
napi_value WatchRun(napi_env env, napi_callback_info info);      /* run_watch.c */
napi_value SpawnClosesDescriptors(napi_env env, napi_callback_info info); /* spawn.c */
napi_value VrrpSocket(napi_env env, napi_callback_info info);    /* packet.c */
napi_value PacketSocket(napi_env env, napi_callback_info info);  /* packet.c */
napi_value SetNetns(napi_env env, napi_callback_info info);      /* netns.c */
napi_value IfMtu(napi_env env, napi_callback_info info);         /* netns.c */

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"watchSignal", NULL, WatchSignal, NULL, NULL, NULL, napi_default, NULL},
      {"sigrtmin", NULL, SigRtMin, NULL, NULL, NULL, napi_default, NULL},
      {"sigrtmax", NULL, SigRtMax, NULL, NULL, NULL, napi_default, NULL},
      {"openlog", NULL, OpenLog, NULL, NULL, NULL, napi_default, NULL},
      {"syslog", NULL, Syslog, NULL, NULL, NULL, napi_default, NULL},
      {"sdNotify", NULL, SdNotify, NULL, NULL, NULL, napi_default, NULL},
      {"procEvents", NULL, ProcEvents, NULL, NULL, NULL, napi_default, NULL},
      {"spawn", NULL, Spawn, NULL, NULL, NULL, napi_default, NULL},
      {"spawnAsync", NULL, SpawnAsync, NULL, NULL, NULL, napi_default, NULL},
      {"watchRun", NULL, WatchRun, NULL, NULL, NULL, napi_default, NULL},
      {"preciseTimer", NULL, PreciseTimerNew, NULL, NULL, NULL, napi_default, NULL},
      {"spawnClosesDescriptors", NULL, SpawnClosesDescriptors, NULL, NULL, NULL, napi_default, NULL},
      {"vrrpSocket", NULL, VrrpSocket, NULL, NULL, NULL, napi_default, NULL},
      {"packetSocket", NULL, PacketSocket, NULL, NULL, NULL, napi_default, NULL},
      {"setNetns", NULL, SetNetns, NULL, NULL, NULL, napi_default, NULL},
      {"ifMtu", NULL, IfMtu, NULL, NULL, NULL, napi_default, NULL},
      {"lockMemory", NULL, LockMemory, NULL, NULL, NULL, napi_default, NULL},
      {"unlockMemory", NULL, UnlockMemory, NULL, NULL, NULL, napi_default, NULL},
      {"setRealtime", NULL, SetRealtime, NULL, NULL, NULL, napi_default, NULL},
      {"setRtTimeLimit", NULL, SetRtTimeLimit, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok) return NULL;
  return exports;
}
