// The packet layer: raw VRRP sockets (protocol 112, IPv4 and IPv6) and AF_PACKET sockets for
// gratuitous ARP and unsolicited NA, in place of the raw-socket and cap (libpcap) addons.
//
// vrrpSocket(family, ifname, ifindex, onReadable) -> handle | { errno, op }
//   IPv4 as keepalived's open_vrrp_read_socket/open_vrrp_send_socket (keepalived/vrrp/vrrp.c):
//   IP_HDRINCL (our source, TOS 0xc0, TTL 255 in the header we write), the header comes back with
//   each packet (TTL, destination). IPv6 as keepalived's IPv6 sockets: IPV6_CHECKSUM at offset 6
//   (the kernel computes and verifies), IPV6_RECVHOPLIMIT and IPV6_RECVPKTINFO (hop limit and
//   destination as ancillary data: no Ethernet header to parse, so VLAN tags cannot shift it),
//   IPV6_TCLASS 0xc0, hop limits 255, ff02::12 joined on the interface. Both: SO_BINDTODEVICE,
//   multicast loop off, SO_TIMESTAMPNS (the kernel's receive time, for the master-down timer).
//   handle.recv(buf, meta, addr) -> bytes or -errno: one packet; meta[0] TTL/hop limit (-1 when
//     unknown), meta[1] age in ms from the receive timestamp (-1 when unknown), meta[2] the
//     arrival ifindex; addr[0..15] the source, addr[16..31] the destination (IPv6; IPv4 reads
//     both from the header it gets).
//   handle.send(buf, length, dst[, src[, hops]]) -> bytes or -errno. IPv6: src goes in an
//     IPV6_PKTINFO control message of this send (keepalived vrrp_build_ancillary_data) and hops
//     (unicast_ttl) in an IPV6_HOPLIMIT one, nothing sticky.
//   handle.join(group) -> 0 or -errno: another multicast group on the interface.
//   handle.close() -> 0, or -EBADF when already closed. Every method after close returns -EBADF.
//   onReadable() is called from the poll phase when the socket is readable; the caller drains a
//   bounded number of packets (level-triggered: what is left wakes the next loop iteration).
//
// packetSocket(ifindex) -> handle | { errno, op }: AF_PACKET, SOCK_RAW. keepalived opens one such
//   socket for all interfaces (vrrp_arp.c gratuitous_arp_init: SOCK_CLOEXEC|SOCK_NONBLOCK, then a
//   filter so it receives nothing; vrrp_ndisc.c ndisc_init likewise) and names the interface in
//   each sendto (send_arp, ndisc_send_na), as FRR's vrrpd does (vrrp_arp.c vrrp_garp_init,
//   vrrp_send_garp). Here one per interface, bound to it, and protocol 0, so the kernel hands it
//   no frames at all (no filter needed); sends still name the interface. No PROMISC.
//   handle.send(frame, length) -> bytes or -errno; handle.close() as above.
//
// Errors are values: nothing here throws for an I/O failure, so an interface that is down,
// renamed or gone mid-send costs a return code, not the process. Every descriptor is opened
// SOCK_CLOEXEC | SOCK_NONBLOCK. A handle's C state is freed once both its JS object was collected
// and libuv released the poll handle, whichever comes last, so a GC after close, a close twice or
// a handle never closed is safe (the last one's finalizer closes it).
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <errno.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/ip.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>
#include "napi_util.h"
#include <uv.h>

#ifndef IPPROTO_VRRP
#define IPPROTO_VRRP 112
#endif

enum { KIND_VRRP4 = 4, KIND_VRRP6 = 6, KIND_PACKET = 17 };

typedef struct {
  napi_env env;
  napi_ref on_readable; /* NULL for packet sockets */
  uv_poll_t poll;
  int fd;
  int kind;
  int ifindex;
  int polling;  /* poll handle initialised (and so must be uv_close'd) */
  int closed;   /* close() ran or the finalizer closed it */
  int js_gone;  /* the JS object was collected */
  int uv_done;  /* libuv no longer holds the poll handle */
} Sock;

static void MaybeFree(Sock *s) {
  if (s->js_gone && s->uv_done) free(s);
}

static void OnPollClosed(uv_handle_t *h) {
  Sock *s = (Sock *)h->data;
  s->uv_done = 1;
  MaybeFree(s);
}

/* Closes the descriptor and hands the poll handle back to libuv; idempotent. */
static void Shut(napi_env env, Sock *s) {
  if (s->closed) return;
  s->closed = 1;
  if (s->on_readable) {
    napi_delete_reference(env, s->on_readable);
    s->on_readable = NULL;
  }
  if (s->polling) {
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t *)&s->poll, OnPollClosed); /* before close(fd): libuv forgets the fd first */
  } else {
    s->uv_done = 1;
  }
  close(s->fd);
  s->fd = -1;
}

static void Finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  Sock *s = (Sock *)data;
  Shut(env, s);
  s->js_gone = 1;
  MaybeFree(s);
}

static void OnReadable(uv_poll_t *h, int status, int events) {
  (void)events;
  Sock *s = (Sock *)h->data;
  if (s->closed || !s->on_readable) return;
  if (status < 0) {
    /* POLLERR: libuv has stopped the handle (uv__poll_io). A pending socket error is read and
     * cleared here (the caller's next recv would return it once and nothing more), and the watch
     * restarts, so an error never leaves the socket deaf. Unconnected raw sockets without
     * IP_RECVERR take no ICMP errors, so this is a guard, not a path adverts take. */
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (uv_poll_start(&s->poll, UV_READABLE, OnReadable) != 0) return;
  }
  napi_env env = s->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  /* No async context: one would have to be destroyed from a finalizer (the crash cap had). */
  CallFromLoop(env, NULL, s->on_readable, 0, NULL);
  napi_close_handle_scope(env, scope);
}

/* { errno, op }: what failed and why, for the caller to word. */
static napi_value Failure(napi_env env, int err, const char *op) {
  napi_value obj, e, o;
  if (napi_create_object(env, &obj) != napi_ok || napi_create_int32(env, err, &e) != napi_ok ||
      napi_create_string_utf8(env, op, NAPI_AUTO_LENGTH, &o) != napi_ok || napi_set_named_property(env, obj, "errno", e) != napi_ok ||
      napi_set_named_property(env, obj, "op", o) != napi_ok)
    return NULL;
  return obj;
}

static Sock *This(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv) {
  napi_value self;
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, &self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, self, &data) != napi_ok) return NULL;
  return (Sock *)data;
}

/* The bytes of a TypedArray or Buffer argument; NULL when it is neither. */
static uint8_t *Bytes(napi_env env, napi_value v, size_t *len) {
  bool is = false;
  void *data = NULL;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t n;
    napi_value ab;
    size_t off;
    if (napi_get_typedarray_info(env, v, &type, &n, &data, &ab, &off) != napi_ok) return NULL;
    if (type != napi_uint8_array) return NULL;
    *len = n;
    return (uint8_t *)data;
  }
  if (napi_is_buffer(env, v, &is) == napi_ok && is && napi_get_buffer_info(env, v, &data, len) == napi_ok) return (uint8_t *)data;
  return NULL;
}

static double *Doubles(napi_env env, napi_value v, size_t *len) {
  bool is = false;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return NULL;
  napi_typedarray_type type;
  void *data;
  napi_value ab;
  size_t off;
  if (napi_get_typedarray_info(env, v, &type, len, &data, &ab, &off) != napi_ok || type != napi_float64_array) return NULL;
  return (double *)data;
}

static napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Sock *s = This(env, info, &argc, NULL);
  if (!s || s->closed) return Int(env, -EBADF);
  Shut(env, s);
  return Int(env, 0);
}

/* The packet's age from its SO_TIMESTAMPNS (CLOCK_REALTIME, so an age: the caller subtracts it from
 * its own monotonic clock). -1 when there is none or the wall clock stepped in between. */
static double AgeMs(const struct timespec *rx) {
  struct timespec now;
  if (clock_gettime(CLOCK_REALTIME, &now) != 0) return -1;
  double age = (double)(now.tv_sec - rx->tv_sec) * 1e3 + (double)(now.tv_nsec - rx->tv_nsec) / 1e6;
  return age >= 0 && age < 1000 ? age : -1;
}

static napi_value Recv(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  Sock *s = This(env, info, &argc, argv);
  if (!s || s->closed) return Int(env, -EBADF);
  size_t blen = 0, mlen = 0, alen = 0;
  uint8_t *buf = argc > 0 ? Bytes(env, argv[0], &blen) : NULL;
  double *meta = argc > 1 ? Doubles(env, argv[1], &mlen) : NULL;
  uint8_t *addr = argc > 2 ? Bytes(env, argv[2], &alen) : NULL;
  if (!buf || !meta || mlen < 3 || !addr || alen < 32 || s->kind == KIND_PACKET) return Int(env, -EINVAL);
  union {
    char buf[CMSG_SPACE(sizeof(struct timespec)) + CMSG_SPACE(sizeof(int)) + CMSG_SPACE(sizeof(struct in6_pktinfo)) + 64];
    struct cmsghdr align;
  } control;
  struct sockaddr_storage from;
  struct iovec iov = {.iov_base = buf, .iov_len = blen};
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_name = &from;
  msg.msg_namelen = sizeof from;
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  ssize_t n;
  do n = recvmsg(s->fd, &msg, MSG_DONTWAIT);
  while (n < 0 && errno == EINTR);
  if (n < 0) return Int(env, -errno);
  meta[0] = -1;
  meta[1] = -1;
  meta[2] = s->ifindex;
  memset(addr, 0, 32);
  if (s->kind == KIND_VRRP6 && from.ss_family == AF_INET6) memcpy(addr, &((struct sockaddr_in6 *)&from)->sin6_addr, 16);
  if (s->kind == KIND_VRRP4 && from.ss_family == AF_INET) memcpy(addr, &((struct sockaddr_in *)&from)->sin_addr, 4);
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c != NULL; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec rx;
      memcpy(&rx, CMSG_DATA(c), sizeof rx);
      meta[1] = AgeMs(&rx);
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_HOPLIMIT) {
      int hops;
      memcpy(&hops, CMSG_DATA(c), sizeof hops);
      meta[0] = hops;
    } else if (c->cmsg_level == IPPROTO_IPV6 && c->cmsg_type == IPV6_PKTINFO) {
      struct in6_pktinfo pi;
      memcpy(&pi, CMSG_DATA(c), sizeof pi);
      memcpy(addr + 16, &pi.ipi6_addr, 16);
      meta[2] = pi.ipi6_ifindex;
    }
  }
  if (s->kind == KIND_VRRP4 && n >= 20) meta[0] = buf[8];
  /* A datagram longer than buf: its tail is gone, say so rather than pass a cut packet. */
  if (msg.msg_flags & MSG_TRUNC) return Int(env, -EMSGSIZE);
  return Int(env, (int)n);
}

static napi_value Join(napi_env env, napi_callback_info info);

static napi_value Send(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  Sock *s = This(env, info, &argc, argv);
  if (!s || s->closed) return Int(env, -EBADF);
  size_t blen = 0, dlen = 0, slen = 0;
  uint32_t length = 0;
  uint8_t *buf = argc > 0 ? Bytes(env, argv[0], &blen) : NULL;
  if (!buf || argc < 2 || napi_get_value_uint32(env, argv[1], &length) != napi_ok || length > blen) return Int(env, -EINVAL);
  ssize_t n;
  if (s->kind == KIND_PACKET) {
    /* The frame carries its own Ethernet header; the address names the interface and the
     * frame's EtherType (keepalived vrrp_arp.c send_arp, FRR vrrp_arp.c vrrp_send_garp). */
    if (length < ETH_HLEN) return Int(env, -EINVAL);
    struct sockaddr_ll to;
    memset(&to, 0, sizeof to);
    to.sll_family = AF_PACKET;
    to.sll_ifindex = s->ifindex;
    memcpy(&to.sll_protocol, buf + 12, 2); /* network order, as in the frame */
    to.sll_halen = ETH_ALEN;
    memcpy(to.sll_addr, buf, ETH_ALEN);
    do n = sendto(s->fd, buf, length, MSG_DONTWAIT | MSG_NOSIGNAL, (struct sockaddr *)&to, sizeof to);
    while (n < 0 && errno == EINTR);
    return Int(env, n < 0 ? -errno : (int)n);
  }
  uint8_t *dst = argc > 2 ? Bytes(env, argv[2], &dlen) : NULL;
  napi_valuetype st = napi_undefined;
  if (argc > 3) napi_typeof(env, argv[3], &st);
  uint8_t *src = argc > 3 && st != napi_undefined && st != napi_null ? Bytes(env, argv[3], &slen) : NULL;
  /* IPv6: the hop limit of this packet (unicast_ttl), else the socket's (255). */
  int32_t hops = -1;
  if (argc > 4 && napi_get_value_int32(env, argv[4], &hops) != napi_ok) hops = -1;
  if (hops > 255) return Int(env, -EINVAL);
  struct msghdr msg;
  struct iovec iov = {.iov_base = buf, .iov_len = length};
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  union {
    char buf[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control;
  if (s->kind == KIND_VRRP4) {
    if (!dst || dlen != 4) return Int(env, -EINVAL);
    struct sockaddr_in to = {.sin_family = AF_INET};
    memcpy(&to.sin_addr, dst, 4);
    msg.msg_name = &to;
    msg.msg_namelen = sizeof to;
    do n = sendmsg(s->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    return Int(env, n < 0 ? -errno : (int)n);
  }
  if (!dst || dlen != 16 || (src && slen != 16)) return Int(env, -EINVAL);
  struct sockaddr_in6 to = {.sin6_family = AF_INET6};
  memcpy(&to.sin6_addr, dst, 16);
  to.sin6_scope_id = (uint32_t)s->ifindex; /* link-local and multicast destinations */
  msg.msg_name = &to;
  msg.msg_namelen = sizeof to;
  if (src || hops >= 0) {
    memset(&control, 0, sizeof control);
    msg.msg_control = control.buf;
    msg.msg_controllen = (src ? CMSG_SPACE(sizeof(struct in6_pktinfo)) : 0) + (hops >= 0 ? CMSG_SPACE(sizeof(int)) : 0);
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    if (src) {
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_PKTINFO;
      c->cmsg_len = CMSG_LEN(sizeof(struct in6_pktinfo));
      struct in6_pktinfo pi;
      memset(&pi, 0, sizeof pi);
      memcpy(&pi.ipi6_addr, src, 16);
      pi.ipi6_ifindex = (unsigned)s->ifindex;
      memcpy(CMSG_DATA(c), &pi, sizeof pi);
      c = CMSG_NXTHDR(&msg, c);
    }
    if (hops >= 0) {
      /* RFC 3542 6.3: a per-packet hop limit (keepalived sets IPV6_UNICAST_HOPS on its socket). */
      c->cmsg_level = IPPROTO_IPV6;
      c->cmsg_type = IPV6_HOPLIMIT;
      c->cmsg_len = CMSG_LEN(sizeof(int));
      int h = hops;
      memcpy(CMSG_DATA(c), &h, sizeof h);
    }
  }
  do n = sendmsg(s->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  return Int(env, n < 0 ? -errno : (int)n);
}

static napi_value Fd(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  Sock *s = This(env, info, &argc, NULL);
  return Int(env, !s || s->closed ? -1 : s->fd);
}

/* Wraps an open descriptor; on failure closes it and returns NULL with an exception pending. */
static napi_value Wrap(napi_env env, int fd, int kind, int ifindex, napi_value on_readable) {
  Sock *s = calloc(1, sizeof *s);
  napi_value obj;
  if (!s || napi_create_object(env, &obj) != napi_ok) {
    close(fd);
    free(s);
    return Failure(env, ENOMEM, "alloc");
  }
  s->env = env;
  s->fd = fd;
  s->kind = kind;
  s->ifindex = ifindex;
  s->uv_done = 1;
  if (napi_wrap(env, obj, s, Finalize, NULL, NULL) != napi_ok) {
    close(fd);
    free(s);
    return Failure(env, ENOMEM, "wrap");
  }
  /* From here the finalizer owns s: failures below Shut() it and leave freeing to the GC. */
  if (on_readable) {
    uv_loop_t *loop = NULL;
    if (napi_create_reference(env, on_readable, 1, &s->on_readable) != napi_ok || napi_get_uv_event_loop(env, &loop) != napi_ok ||
        uv_poll_init_socket(loop, &s->poll, fd) != 0) {
      Shut(env, s);
      return Failure(env, ENOMEM, "poll");
    }
    s->polling = 1;
    s->uv_done = 0;
    s->poll.data = s;
    int rc = uv_poll_start(&s->poll, UV_READABLE, OnReadable);
    if (rc != 0) {
      Shut(env, s);
      return Failure(env, -rc, "poll");
    }
  }
  napi_property_descriptor methods[] = {
      {"recv", NULL, Recv, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, Send, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, Close, NULL, NULL, NULL, napi_default, NULL},
      {"fd", NULL, Fd, NULL, NULL, NULL, napi_default, NULL},
      {"join", NULL, Join, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, obj, sizeof methods / sizeof methods[0], methods) != napi_ok) {
    Shut(env, s);
    return Failure(env, ENOMEM, "define");
  }
  return obj;
}

/* Joins a multicast group on the interface: 0, or -1 with errno (keepalived vrrp.c
 * if_join_vrrp_group). family 4: group is 4 bytes; 6: 16 bytes. */
static int JoinGroup(int fd, int family, int ifindex, const uint8_t *group) {
  if (family == 4) {
    struct ip_mreqn mreq;
    memset(&mreq, 0, sizeof mreq);
    memcpy(&mreq.imr_multiaddr, group, 4);
    mreq.imr_ifindex = ifindex;
    return setsockopt(fd, IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq);
  }
  struct ipv6_mreq mreq;
  memset(&mreq, 0, sizeof mreq);
  memcpy(&mreq.ipv6mr_multiaddr, group, 16);
  mreq.ipv6mr_interface = (unsigned)ifindex;
  return setsockopt(fd, IPPROTO_IPV6, IPV6_ADD_MEMBERSHIP, &mreq, sizeof mreq);
}

/* handle.join(group) -> 0 or -errno: another multicast group on the socket's interface
 * (mcast_dst_ip / vrrp_mcast_group4|6). */
static napi_value Join(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  Sock *s = This(env, info, &argc, argv);
  if (!s || s->closed) return Int(env, -EBADF);
  size_t glen = 0;
  uint8_t *group = argc > 0 ? Bytes(env, argv[0], &glen) : NULL;
  int family = s->kind == KIND_VRRP4 ? 4 : s->kind == KIND_VRRP6 ? 6 : 0;
  if (!group || family == 0 || glen != (family == 4 ? 4u : 16u)) return Int(env, -EINVAL);
  return Int(env, JoinGroup(s->fd, family, s->ifindex, group) != 0 ? -errno : 0);
}

static int SetInt(int fd, int level, int opt, int v) {
  return setsockopt(fd, level, opt, &v, sizeof v);
}

/* Sets up a VRRP socket; returns 0 or the errno, with *op naming the step that failed. */
static int SetupVrrp(int fd, int family, const char *ifname, int ifindex, const char **op) {
  *op = "SO_BINDTODEVICE";
  if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifname, (socklen_t)strlen(ifname) + 1) != 0) return errno;
  *op = "SO_TIMESTAMPNS";
  if (SetInt(fd, SOL_SOCKET, SO_TIMESTAMPNS, 1) != 0) return errno;
  *op = "SO_RCVBUF";
  if (SetInt(fd, SOL_SOCKET, SO_RCVBUF, 1 << 17) != 0) return errno;
  if (family == 4) {
    *op = "IP_HDRINCL";
    if (SetInt(fd, IPPROTO_IP, IP_HDRINCL, 1) != 0) return errno;
    *op = "IP_MULTICAST_LOOP";
    if (SetInt(fd, IPPROTO_IP, IP_MULTICAST_LOOP, 0) != 0) return errno;
    uint8_t group[4];
    inet_pton(AF_INET, "224.0.0.18", group);
    *op = "IP_ADD_MEMBERSHIP";
    if (JoinGroup(fd, 4, ifindex, group) != 0) return errno;
    return 0;
  }
  *op = "IPV6_CHECKSUM";
  if (SetInt(fd, IPPROTO_IPV6, IPV6_CHECKSUM, 6) != 0) return errno;
  *op = "IPV6_RECVHOPLIMIT";
  if (SetInt(fd, IPPROTO_IPV6, IPV6_RECVHOPLIMIT, 1) != 0) return errno;
  *op = "IPV6_RECVPKTINFO";
  if (SetInt(fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, 1) != 0) return errno;
  *op = "IPV6_TCLASS";
  if (SetInt(fd, IPPROTO_IPV6, IPV6_TCLASS, 0xc0) != 0) return errno;
  *op = "IPV6_MULTICAST_HOPS";
  if (SetInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_HOPS, 255) != 0) return errno;
  *op = "IPV6_UNICAST_HOPS";
  if (SetInt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, 255) != 0) return errno;
  *op = "IPV6_MULTICAST_LOOP";
  if (SetInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_LOOP, 0) != 0) return errno;
  *op = "IPV6_MULTICAST_IF";
  if (SetInt(fd, IPPROTO_IPV6, IPV6_MULTICAST_IF, ifindex) != 0) return errno;
  uint8_t group[16];
  inet_pton(AF_INET6, "ff02::12", group);
  *op = "IPV6_ADD_MEMBERSHIP";
  if (JoinGroup(fd, 6, ifindex, group) != 0) return errno;
  return 0;
}

napi_value VrrpSocket(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t family = 0, ifindex = 0, protocol = IPPROTO_VRRP;
  char ifname[IF_NAMESIZE];
  size_t len = 0;
  napi_valuetype fntype = napi_undefined, prototype = napi_undefined;
  if (argc >= 4) napi_typeof(env, argv[3], &fntype);
  if (argc >= 5) napi_typeof(env, argv[4], &prototype);
  if (argc < 4 || napi_get_value_int32(env, argv[0], &family) != napi_ok || (family != 4 && family != 6) ||
      napi_get_value_string_utf8(env, argv[1], ifname, sizeof ifname, &len) != napi_ok || len == 0 || len >= IF_NAMESIZE - 1 ||
      napi_get_value_int32(env, argv[2], &ifindex) != napi_ok || ifindex <= 0 || fntype != napi_function ||
      (prototype != napi_undefined && (napi_get_value_int32(env, argv[4], &protocol) != napi_ok ||
                     (protocol != IPPROTO_VRRP && !(protocol == IPPROTO_AH && family == 4))))) {
    napi_throw_type_error(env, NULL, "vrrpSocket(family 4|6, ifname, ifindex, onReadable[, protocol 112|51 (IPv4 only)])");
    return NULL;
  }
  /* protocol 51: keepalived's auth_type AH (vrrp.c open_vrrp_read_socket picks IPPROTO_AH for it);
     the same IPv4 setup, the header we write names AH. */
  int fd = socket(family == 4 ? AF_INET : AF_INET6, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, protocol);
  if (fd < 0) return Failure(env, errno, "socket");
  const char *op = "";
  int err = SetupVrrp(fd, family, ifname, ifindex, &op);
  if (err) {
    close(fd);
    return Failure(env, err, op);
  }
  return Wrap(env, fd, family, ifindex, argv[3]);
}

napi_value PacketSocket(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int32_t ifindex = 0;
  if (argc < 1 || napi_get_value_int32(env, argv[0], &ifindex) != napi_ok || ifindex <= 0) {
    napi_throw_type_error(env, NULL, "packetSocket(ifindex)");
    return NULL;
  }
  /* Protocol 0: the socket is handed no frames at all, it only sends. */
  int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return Failure(env, errno, "socket");
  struct sockaddr_ll sll;
  memset(&sll, 0, sizeof sll);
  sll.sll_family = AF_PACKET;
  sll.sll_protocol = 0;
  sll.sll_ifindex = ifindex;
  if (bind(fd, (struct sockaddr *)&sll, sizeof sll) != 0) {
    int e = errno;
    close(fd);
    return Failure(env, e, "bind");
  }
  return Wrap(env, fd, KIND_PACKET, ifindex, NULL);
}
