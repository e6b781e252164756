// Shared by the byte-lane kernels (csupport_bytes.c, csupport_pool8.c, csupport_transpose.c): the ISA
// attributes, the run-time CPU checks and small helpers. Private to CSupport (not in the module map).
#ifndef ONNX_QUANT_CSUPPORT_BYTES_COMMON_H
#define ONNX_QUANT_CSUPPORT_BYTES_COMMON_H

#include <stddef.h>
#include <stdint.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define OQ_X86_BYTES 1
#define OQ_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))
#define OQ_AVX512_VBMI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi")))
#endif

// 1 while oq_bytes_force_portable(1) holds (tests only): every kernel takes its portable path.
int oq_bytes_portable_forced(void);

#ifdef OQ_X86_BYTES
// 1 when this CPU runs AVX-512 F, BW and VL (and portable paths are not forced); cached.
int oq_bytes_has_avx512bw(void);
// The same, with AVX-512 VBMI (vpermb, vpermi2b).
int oq_bytes_has_avx512vbmi(void);

// The first n bits set (n clamped to 0...64).
static inline OQ_AVX512 __mmask64 mask64(ptrdiff_t n) {
  return n >= 64 ? ~(__mmask64)0 : n <= 0 ? 0 : (((__mmask64)1 << n) - 1);
}
#endif

#endif
