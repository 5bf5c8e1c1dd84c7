// preciseTimer(fn) -> { arm(delayMs), disarm(), close() }: one timerfd (CLOCK_MONOTONIC) on the
// event loop, for the daemon's deadline heap. Node's timers run on libuv's millisecond clock and
// fire up to a millisecond late; keepalived sleeps in epoll with a timerfd for its next thread
// deadline (lib/scheduler.c, thread_set_timer), so its adverts leave within tens of microseconds.
// The expiry calls fn directly from the poll callback (napi_make_callback: microtasks and ticks
// run after it, as for any I/O callback), not through a threadsafe function's extra loop turn.
// Lifetime: close() unwraps the struct from its object (napi_remove_wrap) before libuv frees it,
// and marks the object `closed`, so arm/disarm/close afterwards are no-ops instead of reads of
// freed memory; an object collected without close() closes its timer from the finalizer.
#define _GNU_SOURCE
#define NAPI_VERSION 8
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "napi_util.h"
#include <uv.h>

typedef struct {
  napi_env env;
  napi_ref fn;
  napi_async_context ctx;
  uv_poll_t poll;
  int fd;
  int closed;
} PreciseTimer;

static void OnExpiry(uv_poll_t *h, int status, int events) {
  (void)status;
  (void)events;
  PreciseTimer *t = (PreciseTimer *)h->data;
  uint64_t expirations;
  // Non-blocking: EAGAIN when a re-arm raced the expiry; the callback then decides from the clock.
  if (read(t->fd, &expirations, sizeof expirations) < 0) expirations = 0;
  napi_env env = t->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  CallFromLoop(env, t->ctx, t->fn, 0, NULL);
  napi_close_handle_scope(env, scope);
}

static void OnClosed(uv_handle_t *h) {
  PreciseTimer *t = (PreciseTimer *)h->data;
  close(t->fd);
  free(t);
}

/* Stops watching and closes the handle; OnClosed frees the struct on a later loop turn. */
static void Shut(napi_env env, PreciseTimer *t) {
  t->closed = 1;
  napi_delete_reference(env, t->fn);
  napi_async_destroy(env, t->ctx);
  uv_poll_stop(&t->poll);
  uv_close((uv_handle_t *)&t->poll, OnClosed);
}

static void Finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  Shut(env, (PreciseTimer *)data); /* NAPI_VERSION 8: not a pure finalizer, N-API calls are allowed */
}

typedef enum { TIMER_OPEN, TIMER_CLOSED, TIMER_INVALID } TimerLookup;

/* The timer behind `this`: TIMER_CLOSED once close() ran (the object no longer wraps it). */
static TimerLookup Unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, napi_value *self,
                          PreciseTimer **out) {
  void *data = NULL;
  bool closed = false;
  *out = NULL;
  if (napi_get_cb_info(env, info, argc, argv, self, NULL) != napi_ok) return TIMER_INVALID;
  if (napi_unwrap(env, *self, &data) == napi_ok && data) {
    *out = (PreciseTimer *)data;
    return TIMER_OPEN;
  }
  napi_value v;
  if (napi_get_named_property(env, *self, "closed", &v) == napi_ok && napi_get_value_bool(env, v, &closed) == napi_ok && closed)
    return TIMER_CLOSED;
  return TIMER_INVALID;
}

static int SetTimer(PreciseTimer *t, double delayMs) {
  struct itimerspec its = {0};
  if (delayMs >= 0) {
    // A zero it_value would disarm: an overdue deadline fires after one nanosecond instead.
    int64_t ns = delayMs <= 0 ? 1 : (int64_t)(delayMs * 1e6);
    if (ns < 1) ns = 1;
    its.it_value.tv_sec = ns / 1000000000;
    its.it_value.tv_nsec = ns % 1000000000;
  }
  return timerfd_settime(t->fd, 0, &its, NULL);
}

/* arm(delayMs): the next expiry, relative to now (replaces any earlier one); a no-op once closed. */
static napi_value Arm(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self;
  PreciseTimer *t;
  TimerLookup l = Unwrap(env, info, &argc, argv, &self, &t);
  if (l == TIMER_CLOSED) return NULL;
  double delay = 0;
  if (l != TIMER_OPEN || argc < 1 || napi_get_value_double(env, argv[0], &delay) != napi_ok) {
    napi_throw_error(env, NULL, "arm(delayMs) on an invalid timer or without a delay");
    return NULL;
  }
  if (SetTimer(t, delay < 0 ? 0 : delay) != 0) napi_throw_error(env, NULL, "timerfd_settime failed");
  return NULL;
}

static napi_value Disarm(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self;
  PreciseTimer *t;
  if (Unwrap(env, info, &argc, NULL, &self, &t) == TIMER_OPEN) SetTimer(t, -1);
  return NULL;
}

static napi_value Close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self, yes;
  PreciseTimer *t;
  if (Unwrap(env, info, &argc, NULL, &self, &t) != TIMER_OPEN) return NULL;
  // Unwrapped first: no later call, and not the finalizer, can reach the struct libuv frees.
  CHECK(napi_remove_wrap(env, self, NULL));
  CHECK(napi_get_boolean(env, true, &yes));
  CHECK(napi_set_named_property(env, self, "closed", yes));
  Shut(env, t);
  return NULL;
}

/* preciseTimer(fn): the timer does not keep the loop alive (the daemon's sockets do). */
napi_value PreciseTimerNew(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], obj, name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype type;
  CHECK(napi_typeof(env, argv[0], &type));
  if (argc < 1 || type != napi_function) {
    napi_throw_type_error(env, NULL, "preciseTimer(fn): fn must be a function");
    return NULL;
  }
  int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  if (fd < 0) {
    napi_throw_error(env, NULL, "timerfd_create failed");
    return NULL;
  }
  uv_loop_t *loop = NULL;
  PreciseTimer *t = calloc(1, sizeof *t);
  if (!t || napi_get_uv_event_loop(env, &loop) != napi_ok || uv_poll_init(loop, &t->poll, fd) != 0) {
    close(fd);
    free(t);
    napi_throw_error(env, NULL, "cannot watch the timerfd");
    return NULL;
  }
  t->env = env;
  t->fd = fd;
  t->poll.data = t;
  CHECK(napi_create_reference(env, argv[0], 1, &t->fn));
  CHECK(napi_create_string_utf8(env, "tsvrrpd:deadline", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_object(env, &obj));
  CHECK(napi_async_init(env, obj, name, &t->ctx));
  uv_poll_start(&t->poll, UV_READABLE, OnExpiry);
  uv_unref((uv_handle_t *)&t->poll);
  CHECK(napi_wrap(env, obj, t, Finalize, NULL, NULL));
  napi_property_descriptor methods[] = {
      {"arm", NULL, Arm, NULL, NULL, NULL, napi_default, NULL},
      {"disarm", NULL, Disarm, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, Close, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_define_properties(env, obj, 3, methods));
  return obj;
}
