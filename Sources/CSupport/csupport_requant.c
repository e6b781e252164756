// The channels-last output stage (see csupport_requant.h). Compiled for AVX-512 by function attributes
// and called only after oq_has_lane_requantize(); elsewhere the entry points write nothing and the
// Swift output stage runs.
#include "csupport_requant.h"

#include "csupport_cpu.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define OQ_X86_REQUANT 1
#endif

int oq_has_lane_requantize(void) { return oq_cpu_has_avx512bw(); }

#ifdef OQ_X86_REQUANT
#define OQ_REQUANT_ISA __attribute__((target("avx512f,avx512bw,avx512vl")))

static inline __attribute__((always_inline)) OQ_REQUANT_ISA __m512i field(const uint8_t *record, int offset) {
  return _mm512_loadu_si512((const void *)(record + offset));
}

// How the codes are clamped and narrowed: [0, 255] (a max, then unsigned saturation), [-128, 127]
// (signed saturation alone) or any other window (a max and a min).
enum { OQ_CODES_U8 = 0, OQ_CODES_S8 = 1, OQ_CODES_WINDOW = 2 };

// The 16 codes of `sums` (the sums plus the record's native constant: v + 2^24) with `record`'s
// parameters, or 0 when a lane is ambiguous or out of the single rounding's range. Even lanes are
// the low halves of the 64-bit products (vpmuldq reads each 64-bit lane's low 32 bits), odd ones
// shifted down first; the rounding terms hold the zero point, so the shifts give the codes.
static inline __attribute__((always_inline)) OQ_REQUANT_ISA int requantize(__m512i sums, const uint8_t *record,
                                                                           const int kind, __m512i lower,
                                                                           __m512i upper, __m128i *codes) {
  const __m512i even = _mm512_add_epi64(_mm512_mul_epi32(sums, field(record, OQ_REQUANT_MANTISSA_EVEN)),
                                        field(record, OQ_REQUANT_NATIVE_ROUND_EVEN));
  const __m512i odd = _mm512_add_epi64(
      _mm512_mul_epi32(_mm512_srli_epi64(sums, 32), field(record, OQ_REQUANT_MANTISSA_ODD)),
      field(record, OQ_REQUANT_NATIVE_ROUND_ODD));
  const __mmask8 ambiguous_even = _mm512_testn_epi64_mask(even, field(record, OQ_REQUANT_NATIVE_MASK_EVEN));
  const __mmask8 ambiguous_odd = _mm512_testn_epi64_mask(odd, field(record, OQ_REQUANT_NATIVE_MASK_ODD));
  // v + 2^24 outside [0, 2^25): v outside [-2^24, 2^24).
  const __mmask16 large = _mm512_test_epi32_mask(sums, field(record, OQ_REQUANT_LARGE_BITS));
  if ((ambiguous_even | ambiguous_odd | large) != 0) return 0;
  const __m512i low_halves = _mm512_srav_epi64(even, field(record, OQ_REQUANT_NATIVE_SHIFT_EVEN));
  const __m512i high_halves =
      _mm512_slli_epi64(_mm512_srav_epi64(odd, field(record, OQ_REQUANT_NATIVE_SHIFT_ODD)), 32);
  const __m512i rounded = _mm512_mask_blend_epi32(0xAAAA, low_halves, high_halves);
  if (kind == OQ_CODES_U8)
    *codes = _mm512_cvtusepi32_epi8(_mm512_max_epi32(rounded, _mm512_setzero_si512()));
  else if (kind == OQ_CODES_S8)
    *codes = _mm512_cvtsepi32_epi8(rounded);
  else
    *codes = _mm512_cvtepi32_epi8(_mm512_min_epi32(_mm512_max_epi32(rounded, lower), upper));
  return 1;
}

static inline __attribute__((always_inline)) __mmask16 lanes_below(ptrdiff_t n) {
  return n >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (n > 0 ? n : 0)) - 1);
}

// The codes to `out`, the lanes of `mask` only (a plain store when all 16 are).
static inline __attribute__((always_inline)) OQ_REQUANT_ISA void store_codes(uint8_t *out, __mmask16 mask,
                                                                              __m128i codes) {
  if (mask == 0xFFFF)
    _mm_storeu_si128((__m128i *)(void *)out, codes);
  else
    _mm_mask_storeu_epi8(out, mask, codes);
}

static inline __attribute__((always_inline)) OQ_REQUANT_ISA int rows_loop(
    const int32_t *acc, ptrdiff_t acc_stride, int rows, int vectors, const ptrdiff_t *starts, int m,
    const uint8_t *params, ptrdiff_t record_bytes, const int32_t *bias, const int kind, int32_t low, int32_t high,
    uint8_t *y, ptrdiff_t y_stride, int first) {
  const __m512i lower = _mm512_set1_epi32(low);
  const __m512i upper = _mm512_set1_epi32(high);
  for (int v = first / rows; v < vectors; v++) {
    const uint8_t *record = params + (ptrdiff_t)v * record_bytes;
    const ptrdiff_t start = starts[v];
    const __mmask16 store = lanes_below(m - start);
    __m512i constant = field(record, OQ_REQUANT_NATIVE_CONSTANT);
    if (bias) constant = _mm512_add_epi32(constant, _mm512_maskz_loadu_epi32(store, bias + start));
    const int32_t *sums = acc + 16 * v;
    uint8_t *out = y + start;
    for (int r = v == first / rows ? first % rows : 0; r < rows; r++) {
      __m128i codes;
      const __m512i s = _mm512_add_epi32(_mm512_loadu_si512((const void *)(sums + r * acc_stride)), constant);
      if (!requantize(s, record, kind, lower, upper, &codes)) return v * rows + r;
      store_codes(out + r * y_stride, store, codes);
    }
  }
  return rows * vectors;
}

static OQ_REQUANT_ISA int rows_avx512(const int32_t *acc, ptrdiff_t acc_stride, int rows, int vectors,
                                      const ptrdiff_t *starts, int m, const uint8_t *params,
                                      ptrdiff_t record_bytes, const int32_t *bias, int32_t low, int32_t high,
                                      uint8_t *y, ptrdiff_t y_stride, int first) {
  if (low == 0 && high == 255)
    return rows_loop(acc, acc_stride, rows, vectors, starts, m, params, record_bytes, bias, OQ_CODES_U8, low,
                     high, y, y_stride, first);
  if (low == -128 && high == 127)
    return rows_loop(acc, acc_stride, rows, vectors, starts, m, params, record_bytes, bias, OQ_CODES_S8, low,
                     high, y, y_stride, first);
  return rows_loop(acc, acc_stride, rows, vectors, starts, m, params, record_bytes, bias, OQ_CODES_WINDOW, low,
                   high, y, y_stride, first);
}

static inline __attribute__((always_inline)) OQ_REQUANT_ISA int flat_loop(const int32_t *acc, int count,
                                                                          const uint8_t *params,
                                                                          ptrdiff_t record_bytes, int period,
                                                                          const int kind, int32_t low,
                                                                          int32_t high, uint8_t *y, int first) {
  const __m512i lower = _mm512_set1_epi32(low);
  const __m512i upper = _mm512_set1_epi32(high);
  const int vectors = (count + 15) / 16;
  int phase = first % period;
  for (int i = first; i < vectors; i++) {
    const uint8_t *record = params + (ptrdiff_t)phase * record_bytes;
    __m128i codes;
    const __m512i s = _mm512_add_epi32(_mm512_loadu_si512((const void *)(acc + 16 * i)),
                                       field(record, OQ_REQUANT_NATIVE_CONSTANT));
    if (!requantize(s, record, kind, lower, upper, &codes)) return i;
    store_codes(y + 16 * i, lanes_below(count - 16 * i), codes);
    if (++phase == period) phase = 0;
  }
  return vectors;
}

static OQ_REQUANT_ISA int flat_avx512(const int32_t *acc, int count, const uint8_t *params,
                                      ptrdiff_t record_bytes, int period, int32_t low, int32_t high, uint8_t *y,
                                      int first) {
  if (low == 0 && high == 255)
    return flat_loop(acc, count, params, record_bytes, period, OQ_CODES_U8, low, high, y, first);
  if (low == -128 && high == 127)
    return flat_loop(acc, count, params, record_bytes, period, OQ_CODES_S8, low, high, y, first);
  return flat_loop(acc, count, params, record_bytes, period, OQ_CODES_WINDOW, low, high, y, first);
}
#endif

int oq_requant_rows_u8(const int32_t *acc, ptrdiff_t acc_stride, int rows, int vectors,
                       const ptrdiff_t *starts, int m, const void *params, ptrdiff_t record_bytes,
                       const int32_t *bias, int32_t zero_point, int32_t low, int32_t high, uint8_t *y,
                       ptrdiff_t y_stride, int first) {
  if (rows <= 0 || vectors <= 0) return 0;
#ifdef OQ_X86_REQUANT
  (void)zero_point;  // in the records' rounding terms
  return rows_avx512(acc, acc_stride, rows, vectors, starts, m, (const uint8_t *)params, record_bytes, bias, low,
                     high, y, y_stride, first);
#else
  (void)acc, (void)acc_stride, (void)starts, (void)m, (void)params, (void)record_bytes, (void)bias;
  (void)zero_point, (void)low, (void)high, (void)y, (void)y_stride;
  return first;
#endif
}

int oq_requant_flat_u8(const int32_t *acc, int count, const void *params, ptrdiff_t record_bytes,
                       int period, int32_t zero_point, int32_t low, int32_t high, uint8_t *y, int first) {
#ifdef OQ_X86_REQUANT
  if (count <= 0 || period <= 0) return 0;
  (void)zero_point;  // in the records' rounding terms
  return flat_avx512(acc, count, (const uint8_t *)params, record_bytes, period, low, high, y, first);
#else
  (void)acc, (void)count, (void)params, (void)record_bytes, (void)period, (void)zero_point, (void)low;
  (void)high, (void)y;
  return first;
#endif
}
