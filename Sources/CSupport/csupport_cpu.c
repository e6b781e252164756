// The shared run-time CPU check (see csupport_cpu.h).
#include "csupport_cpu.h"

int oq_cpu_has_avx512bw(void) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
  static int cached = -1;
  if (cached < 0) {
    __builtin_cpu_init();
    cached = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                     __builtin_cpu_supports("avx512vl")
                 ? 1
                 : 0;
  }
  return cached;
#else
  return 0;
#endif
}
