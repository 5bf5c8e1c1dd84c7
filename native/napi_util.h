// What the helper's C files share: the N-API error check, and calling JavaScript from a libuv
// poll callback. Include after `#define NAPI_VERSION`.
#ifndef TSVRRPD_NAPI_UTIL_H
#define TSVRRPD_NAPI_UTIL_H
#include <node_api.h>

#define CHECK(call)                                                         \
  do {                                                                      \
    if ((call) != napi_ok) {                                                \
      napi_throw_error(env, NULL, "tsvrrpd_native: " #call " failed");      \
      return NULL;                                                          \
    }                                                                       \
  } while (0)

/* A JS number from a C int (NULL, an exception pending, if N-API fails). Results are values:
 * a count, or -errno. */
static inline napi_value Int(napi_env env, int v) {
  napi_value out;
  if (napi_create_int32(env, v, &out) != napi_ok) return NULL;
  return out;
}

/* Calls the function behind `fn` from a poll callback, inside the caller's handle scope:
 * napi_make_callback, so microtasks and ticks run after it as for any I/O callback (not a
 * threadsafe function's extra loop turn). The receiver is the global object (napi_make_callback
 * fails on undefined); an exception becomes 'uncaughtException', as in any I/O callback. */
static inline void CallFromLoop(napi_env env, napi_async_context ctx, napi_ref fn, size_t argc, const napi_value *argv) {
  napi_value f, recv, result;
  if (napi_get_reference_value(env, fn, &f) != napi_ok || napi_get_global(env, &recv) != napi_ok) return;
  if (napi_make_callback(env, ctx, recv, f, argc, argv, &result) == napi_pending_exception) {
    napi_value err;
    napi_get_and_clear_last_exception(env, &err);
    napi_fatal_exception(env, err);
  }
}

#endif
