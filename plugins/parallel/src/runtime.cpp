// runtime.cpp — environment parsing (MT_NUM_THREADS, MT_PARALLEL_ISA), the
// run-time CPU check for AVX2/AVX-512 (CPUID plus XGETBV, so a CPU whose OS
// has not enabled the wide registers is not picked) and the plugin's arena.
// It is not an auto-tuner: block sizes live with the kernels.
#include "runtime.hpp"

#include <cerrno>
#include <cstdlib>

#include <oneapi/tbb/global_control.h>
#include <oneapi/tbb/info.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace mt::par {

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::avx512:
      return "avx512";
    case Isa::avx2:
      return "avx2";
    default:
      return "generic";
  }
}

namespace {

constexpr int kMaxThreads = 1024;

#if defined(__x86_64__) || defined(__i386__)
uint64_t read_xcr0() {
  uint32_t lo = 0;
  uint32_t hi = 0;
  // XGETBV with ECX = 0 reads XCR0: which register states the OS saves.
  __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
  return (static_cast<uint64_t>(hi) << 32) | lo;
}

// The widest kernel set both the CPU and the OS support.
Isa detect_isa() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
    return Isa::generic;
  const bool osxsave = (ecx & (1u << 27)) != 0;
  const bool fma = (ecx & (1u << 12)) != 0;
  if (!osxsave)
    return Isa::generic;
  const uint64_t xcr0 = read_xcr0();
  const bool os_avx = (xcr0 & 0x6) == 0x6;       // XMM and YMM state
  const bool os_avx512 = (xcr0 & 0xE6) == 0xE6;  // plus opmask, ZMM_Hi256, Hi16_ZMM
  __builtin_cpu_init();
  const bool cpu_avx2 = __builtin_cpu_supports("avx2") && fma;
  const bool cpu_avx512 = __builtin_cpu_supports("avx512f") && cpu_avx2;
  if (cpu_avx512 && os_avx512)
    return Isa::avx512;
  if (cpu_avx2 && os_avx)
    return Isa::avx2;
  return Isa::generic;
}
#else
Isa detect_isa() {
  return Isa::generic;
}
#endif

Settings read_settings() {
  Settings s;
  const int available = oneapi::tbb::info::default_concurrency();
  s.threads = available > 0 ? available : 1;
  if (const char* text = std::getenv("MT_NUM_THREADS"); text != nullptr && *text != '\0') {
    errno = 0;
    char* end = nullptr;
    const long value = std::strtol(text, &end, 10);
    if (errno != 0 || end == text || *end != '\0' || value < 1 || value > kMaxThreads) {
      s.error = std::string("MT_NUM_THREADS='") + text + "' is not a thread count (allowed 1.." +
                std::to_string(kMaxThreads) + "; unset it to use all " + std::to_string(s.threads) +
                " cores)";
    } else {
      s.threads = static_cast<int>(value);
    }
  }
  const Isa best = detect_isa();
  s.isa = best;
  if (const char* text = std::getenv("MT_PARALLEL_ISA"); text != nullptr && *text != '\0') {
    const std::string want(text);
    Isa chosen = best;
    bool known = true;
    if (want == "generic")
      chosen = Isa::generic;
    else if (want == "avx2")
      chosen = Isa::avx2;
    else if (want == "avx512")
      chosen = Isa::avx512;
    else
      known = false;
    if (!known) {
      s.error = "MT_PARALLEL_ISA='" + want + "' is not one of generic, avx2, avx512";
    } else if (static_cast<int>(chosen) > static_cast<int>(best)) {
      s.error = "MT_PARALLEL_ISA=" + want +
                " asks for kernels this CPU/OS cannot run (best: " + isa_name(best) + ")";
    } else {
      s.isa = chosen;
    }
  }
  return s;
}

}  // namespace

const Settings& settings() {
  static const Settings s = read_settings();
  return s;
}

oneapi::tbb::task_arena& arena() {
  // Built on first parallel use, not at load: loading the plugin to list it
  // must not start threads. Asking for more threads than TBB's default pool
  // also needs the process-wide limit raised. Both objects are deliberately
  // never destroyed (the library is linked -z nodelete), so no exit-time
  // ordering between this plugin and libtbb can bite.
  static oneapi::tbb::task_arena* const instance = [] {
    const int threads = settings().threads;
    static oneapi::tbb::global_control* const raised_limit =
        threads > oneapi::tbb::info::default_concurrency()
            ? new oneapi::tbb::global_control(oneapi::tbb::global_control::max_allowed_parallelism,
                                              static_cast<std::size_t>(threads))
            : nullptr;
    (void)raised_limit;
    auto* a = new oneapi::tbb::task_arena(threads);
    a->initialize();
    return a;
  }();
  return *instance;
}

}  // namespace mt::par
