// setNetns(path): keepalived core/namespaces.c set_namespaces for global_defs net_namespace / -s:
// open /run/netns/NAME and setns(fd, CLONE_NEWNET) before the daemon opens any socket. A network
// namespace belongs to a thread, not a process: this moves the calling (main) thread, whose
// sockets, netlink, /proc/self/net and children (uv_spawn forks from it) all follow. Threads that
// already exist stay where they were, so the descriptor is kept (close-on-exec) and spawn.c's
// thread-pool job enters it too before it starts a script (a child inherits its spawning thread's
// namespace). Results are 0 or -errno, never a throw.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>
#include "napi_util.h"

static int netns_fd = -1;

/* Moves the calling thread into the namespace setNetns entered: 0, or -errno (0 without one). */
int TsvrrpdEnterNetns(void) {
  if (netns_fd < 0) return 0;
  return setns(netns_fd, CLONE_NEWNET) ? -errno : 0;
}

napi_value SetNetns(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  char path[4096];
  size_t len = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], path, sizeof path, &len) != napi_ok || len == 0 || len >= sizeof path - 1) {
    napi_throw_type_error(env, NULL, "setNetns(path)");
    return NULL;
  }
  int result = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    result = -errno;
  else if (setns(fd, CLONE_NEWNET)) {
    result = -errno;
    close(fd);
  } else {
    if (netns_fd >= 0) close(netns_fd);
    netns_fd = fd;
  }
  CHECK(napi_create_int32(env, result, &out));
  return out;
}

/* ifMtu(name): the interface's MTU in the calling (main) thread's network namespace (SIOCGIFMTU),
 * or -errno. /sys/class/net is the namespace sysfs was mounted in, not the one setNetns entered. */
napi_value IfMtu(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], out;
  char name[IFNAMSIZ + 1];
  size_t len = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len) != napi_ok || len == 0 || len >= IFNAMSIZ) {
    napi_throw_type_error(env, NULL, "ifMtu(name)");
    return NULL;
  }
  int result;
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0)
    result = -errno;
  else {
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    memcpy(ifr.ifr_name, name, len);
    result = ioctl(fd, SIOCGIFMTU, &ifr) ? -errno : ifr.ifr_mtu;
    close(fd);
  }
  CHECK(napi_create_int32(env, result, &out));
  return out;
}
