/* fake_plugin.c — a tiny plugin in plain C99, compiled in several variants to
 * exercise the loader's failure paths, including hostile ones (an entry that
 * crashes, an is_usable that never returns, a static constructor that exits).
 * Not a backend: it can only allocate, fill, copy and do map.copy; every
 * other slot is absent (NULL). */
#include <minitorch/plugin_abi.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifdef FAKE_MISSING_DEP
int mt_test_missing_dep_value(void); /* in libmt_test_missing_dep.so */
#endif

#ifdef FAKE_EXIT_AT_LOAD
/* Runs inside dlopen: a host that loads every plugin in process would exit. */
__attribute__((constructor)) static void fake_exit_at_load(void) {
  fprintf(stderr, "fake plugin: exiting with status 3 from a static constructor\n");
  exit(3);
}
#endif

#ifndef FAKE_NAME
#define FAKE_NAME MT_PLUGIN_NAME
#endif
#ifndef FAKE_ABI_MAJOR
#define FAKE_ABI_MAJOR MT_ABI_MAJOR
#endif
#ifndef FAKE_USABLE
#define FAKE_USABLE 1
#endif

static char g_last_error[256] = "";

static int32_t fake_is_usable(mt_plugin_context* ctx, char* reason, size_t reason_size) {
  (void)ctx;
#ifdef FAKE_MISSING_DEP
  if (mt_test_missing_dep_value() != 1)
    return 0;
#endif
#ifdef FAKE_HANG_USABLE
  printf("fake plugin: is_usable is about to hang\n");
  fflush(stdout);
  for (;;)
    sleep(1);
#endif
  if (!FAKE_USABLE && reason && reason_size > 0) {
    strncpy(reason, "fake device is switched off", reason_size - 1);
    reason[reason_size - 1] = '\0';
  }
  return FAKE_USABLE;
}

static int32_t fake_supports(mt_plugin_context* ctx, int32_t family, int32_t op, int32_t dtype) {
  (void)ctx;
  return family == MT_FAMILY_MAP && op == MT_MAP_COPY && dtype == MT_F64;
}

static const char* fake_last_error(mt_plugin_context* ctx) {
  (void)ctx;
  return g_last_error;
}

static mt_status fake_alloc(mt_plugin_context* ctx, size_t bytes, void** out) {
  (void)ctx;
  *out = bytes ? malloc(bytes) : NULL;
  return (bytes && !*out) ? MT_ERR_OUT_OF_MEMORY : MT_OK;
}

static mt_status fake_free(mt_plugin_context* ctx, void* buffer) {
  (void)ctx;
  free(buffer);
  return MT_OK;
}

static mt_status fake_from_host(mt_plugin_context* ctx, void* dst, size_t off, const void* src,
                                size_t bytes) {
  (void)ctx;
  memcpy((char*)dst + off, src, bytes);
  return MT_OK;
}

static mt_status fake_to_host(mt_plugin_context* ctx, void* dst, const void* src, size_t off,
                              size_t bytes) {
  (void)ctx;
  memcpy(dst, (const char*)src + off, bytes);
  return MT_OK;
}

/* Only contiguous 1-D f64 views: enough for the loader tests. */
static mt_status fake_fill(mt_plugin_context* ctx, const mt_view* out, double value) {
  (void)ctx;
  if (out->dtype != MT_F64 || out->ndim != 1) {
    strcpy(g_last_error, "fake fill handles 1-D f64 only");
    return MT_ERR_UNSUPPORTED;
  }
  for (int64_t i = 0; i < out->shape[0]; ++i) {
    ((double*)out->buffer)[out->offset + i * out->strides[0]] = value;
  }
  return MT_OK;
}

static mt_status fake_map(mt_plugin_context* ctx, int32_t op, const mt_view* out,
                          const mt_view* in) {
  (void)ctx;
  if (op != MT_MAP_COPY || out->dtype != MT_F64 || out->ndim != 1) {
    strcpy(g_last_error, "fake map handles copy of 1-D f64 only");
    return MT_ERR_UNSUPPORTED;
  }
  for (int64_t i = 0; i < out->shape[0]; ++i) {
    ((double*)out->buffer)[out->offset + i * out->strides[0]] =
        ((const double*)in->buffer)[in->offset + i * in->strides[0]];
  }
  return MT_OK;
}

static mt_status fake_sync(mt_plugin_context* ctx) {
  (void)ctx;
  return MT_OK;
}

static const mt_backend g_table = {FAKE_ABI_MAJOR,
                                   MT_ABI_MINOR,
                                   sizeof(mt_backend),
                                   0,
                                   FAKE_NAME,
                                   "0.0.1",
                                   MT_DEVICE_CPU,
                                   0,
                                   NULL,
                                   fake_is_usable,
                                   fake_supports,
                                   fake_last_error,
                                   fake_alloc,
                                   fake_free,
                                   fake_from_host,
                                   fake_to_host,
                                   fake_fill,
                                   fake_sync,
                                   fake_map,
                                   NULL,
                                   NULL,
                                   NULL,
                                   NULL,
                                   NULL,
                                   NULL,
                                   NULL};

#ifndef FAKE_NO_ENTRY
MT_PLUGIN_EXPORT const mt_backend* mt_plugin_entry(uint32_t host_abi_major,
                                                   uint32_t host_abi_minor) {
  (void)host_abi_major;
  (void)host_abi_minor;
#ifdef FAKE_CRASH_ENTRY
  /* A plain death by SIGSEGV (sanitizers would otherwise turn it into an abort). */
  fprintf(stderr, "fake plugin: crashing in mt_plugin_entry\n");
  signal(SIGSEGV, SIG_DFL);
  raise(SIGSEGV);
#endif
#ifdef FAKE_RETURN_NULL
  (void)g_table; /* built, but deliberately not handed out */
  return NULL;
#else
  return &g_table;
#endif
}
#else
/* Exports something, just not the entry point. */
MT_PLUGIN_EXPORT const mt_backend* mt_plugin_entry_misspelled(void) {
  return &g_table;
}
#endif
