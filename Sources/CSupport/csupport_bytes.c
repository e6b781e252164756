// The 256-entry byte table lookup (see csupport_bytes.h) and the run-time CPU checks the byte-lane
// kernels share. The AVX-512 code is compiled for that ISA by function attributes and only called after
// a run-time CPU check; other CPUs and architectures run the portable loop, which gives the same bytes.
#include "csupport_bytes.h"
#include "csupport_bytes_common.h"
#include "csupport_cpu.h"

// MARK: - CPU checks

// Set by oq_bytes_force_portable (tests only).
static int force_portable = 0;

void oq_bytes_force_portable(int on) { force_portable = on; }

int oq_bytes_portable_forced(void) { return force_portable; }

#ifdef OQ_X86_BYTES
int oq_bytes_has_avx512bw(void) {
  if (force_portable) return 0;
  return oq_cpu_has_avx512bw();
}

int oq_bytes_has_avx512vbmi(void) {
  if (force_portable) return 0;
  static int cached = -1;
  if (cached < 0) cached = oq_bytes_has_avx512bw() && __builtin_cpu_supports("avx512vbmi") ? 1 : 0;
  return cached;
}
#endif

// MARK: - Table lookup

#ifdef OQ_X86_BYTES
// The table as four 64-byte vectors: vpermi2b picks from t0:t1 (codes 0-127) and t2:t3 (128-255) by
// the low 7 bits of each code, and the code's top bit chooses between the two.
static OQ_AVX512_VBMI void lookup_vbmi(const uint8_t *table, const uint8_t *x, uint8_t *y, ptrdiff_t count) {
  const __m512i t0 = _mm512_loadu_si512((const void *)table);
  const __m512i t1 = _mm512_loadu_si512((const void *)(table + 64));
  const __m512i t2 = _mm512_loadu_si512((const void *)(table + 128));
  const __m512i t3 = _mm512_loadu_si512((const void *)(table + 192));
  for (ptrdiff_t i = 0; i < count; i += 64) {
    const __mmask64 m = mask64(count - i);
    const __m512i v = _mm512_maskz_loadu_epi8(m, x + i);
    const __m512i low = _mm512_permutex2var_epi8(t0, v, t1);
    const __m512i high = _mm512_permutex2var_epi8(t2, v, t3);
    _mm512_mask_storeu_epi8(y + i, m, _mm512_mask_blend_epi8(_mm512_movepi8_mask(v), low, high));
  }
}
#endif

void oq_lookup_bytes(const uint8_t *table, const uint8_t *x, uint8_t *y, ptrdiff_t count) {
#ifdef OQ_X86_BYTES
  if (oq_bytes_has_avx512vbmi()) {
    lookup_vbmi(table, x, y, count);
    return;
  }
#endif
  for (ptrdiff_t i = 0; i < count; i++) y[i] = table[x[i]];
}
