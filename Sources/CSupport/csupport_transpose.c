// 2-D transposes of 1- and 4-byte elements (see csupport_bytes.h): SSE2 tiles (the x86-64 baseline),
// AVX-512 interleaves for 2 to 4 rows or columns after a run-time CPU check, portable loops elsewhere.
#include "csupport_bytes.h"
#include "csupport_bytes_common.h"

// MARK: - Transposes

#ifdef OQ_X86_BYTES
// 16 x 16 bytes in four rounds of unpacks (bytes, then 16-, 32- and 64-bit units).
static void transpose_16x16_8(const uint8_t *src, ptrdiff_t ss, uint8_t *dst, ptrdiff_t ds) {
  __m128i a[16], b[16];
  for (int i = 0; i < 16; i++) a[i] = _mm_loadu_si128((const __m128i *)(const void *)(src + i * ss));
  // b[i]: rows 2i, 2i+1 interleaved, columns 0-7; b[8 + i]: columns 8-15.
  for (int i = 0; i < 8; i++) {
    b[i] = _mm_unpacklo_epi8(a[2 * i], a[2 * i + 1]);
    b[8 + i] = _mm_unpackhi_epi8(a[2 * i], a[2 * i + 1]);
  }
  // a[4g + q]: rows 4q..4q+3, columns 4g..4g+3.
  for (int half = 0; half < 2; half++) {
    for (int q = 0; q < 4; q++) {
      a[8 * half + q] = _mm_unpacklo_epi16(b[8 * half + 2 * q], b[8 * half + 2 * q + 1]);
      a[8 * half + 4 + q] = _mm_unpackhi_epi16(b[8 * half + 2 * q], b[8 * half + 2 * q + 1]);
    }
  }
  // b[2p + o]: rows 8o..8o+7, columns 2p, 2p+1.
  for (int g = 0; g < 4; g++) {
    for (int o = 0; o < 2; o++) {
      b[4 * g + o] = _mm_unpacklo_epi32(a[4 * g + 2 * o], a[4 * g + 2 * o + 1]);
      b[4 * g + 2 + o] = _mm_unpackhi_epi32(a[4 * g + 2 * o], a[4 * g + 2 * o + 1]);
    }
  }
  for (int p = 0; p < 8; p++) {
    _mm_storeu_si128((__m128i *)(void *)(dst + (2 * p) * ds), _mm_unpacklo_epi64(b[2 * p], b[2 * p + 1]));
    _mm_storeu_si128((__m128i *)(void *)(dst + (2 * p + 1) * ds), _mm_unpackhi_epi64(b[2 * p], b[2 * p + 1]));
  }
}

static void transpose_4x4_32(const uint32_t *src, ptrdiff_t ss, uint32_t *dst, ptrdiff_t ds) {
  __m128 r0 = _mm_loadu_ps((const float *)(const void *)src);
  __m128 r1 = _mm_loadu_ps((const float *)(const void *)(src + ss));
  __m128 r2 = _mm_loadu_ps((const float *)(const void *)(src + 2 * ss));
  __m128 r3 = _mm_loadu_ps((const float *)(const void *)(src + 3 * ss));
  _MM_TRANSPOSE4_PS(r0, r1, r2, r3);
  _mm_storeu_ps((float *)(void *)dst, r0);
  _mm_storeu_ps((float *)(void *)(dst + ds), r1);
  _mm_storeu_ps((float *)(void *)(dst + 2 * ds), r2);
  _mm_storeu_ps((float *)(void *)(dst + 3 * ds), r3);
}
#endif

// Blocks of 64 x 64 elements (in cache on both sides), each as tiles of the vector transpose; the
// ragged edges element by element.
#define OQ_BLOCK 64

#ifdef OQ_X86_BYTES
// Few rows (up to 4 planes to interleave, as NCHW -> NHWC with 3 channels), output rows contiguous
// (dst_stride == rows): 16 columns of each row in one vector, one vpermb interleaves them into the 16
// output rows.
static OQ_AVX512_VBMI void interleave_rows_8(
    const uint8_t *src, ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t src_stride, uint8_t *dst) {
  uint8_t order[64];
  for (int k = 0; k < 64; k++) order[k] = (uint8_t)((k % rows) * 16 + k / rows);
  const __m512i index = _mm512_loadu_si512((const void *)order);
  for (ptrdiff_t j = 0; j < cols; j += 16) {
    const ptrdiff_t n = cols - j < 16 ? cols - j : 16;
    const __mmask16 part = (__mmask16)mask64(n);
    __m512i v = _mm512_setzero_si512();
    v = _mm512_inserti32x4(v, _mm_maskz_loadu_epi8(part, src + j), 0);
    v = _mm512_inserti32x4(v, _mm_maskz_loadu_epi8(part, src + src_stride + j), 1);
    if (rows > 2) v = _mm512_inserti32x4(v, _mm_maskz_loadu_epi8(part, src + 2 * src_stride + j), 2);
    if (rows > 3) v = _mm512_inserti32x4(v, _mm_maskz_loadu_epi8(part, src + 3 * src_stride + j), 3);
    _mm512_mask_storeu_epi8(dst + j * rows, mask64(n * rows), _mm512_permutexvar_epi8(index, v));
  }
}

// The reverse, few columns (NHWC -> NCHW with up to 4 channels), input rows contiguous (src_stride ==
// cols): 16 input rows in one vector, one vpermb gathers each column's 16 bytes into one 128-bit lane.
static OQ_AVX512_VBMI void deinterleave_cols_8(
    const uint8_t *src, ptrdiff_t rows, ptrdiff_t cols, uint8_t *dst, ptrdiff_t dst_stride) {
  uint8_t order[64];
  for (int k = 0; k < 64; k++) order[k] = (uint8_t)(k / 16 < cols ? (k % 16) * cols + k / 16 : 0);
  const __m512i index = _mm512_loadu_si512((const void *)order);
  for (ptrdiff_t i = 0; i < rows; i += 16) {
    const ptrdiff_t n = rows - i < 16 ? rows - i : 16;
    const __mmask16 part = (__mmask16)mask64(n);
    const __m512i v = _mm512_permutexvar_epi8(index, _mm512_maskz_loadu_epi8(mask64(n * cols), src + i * cols));
    _mm_mask_storeu_epi8(dst + i, part, _mm512_extracti32x4_epi32(v, 0));
    _mm_mask_storeu_epi8(dst + dst_stride + i, part, _mm512_extracti32x4_epi32(v, 1));
    if (cols > 2) _mm_mask_storeu_epi8(dst + 2 * dst_stride + i, part, _mm512_extracti32x4_epi32(v, 2));
    if (cols > 3) _mm_mask_storeu_epi8(dst + 3 * dst_stride + i, part, _mm512_extracti32x4_epi32(v, 3));
  }
}
#endif

void oq_transpose_8(
    const uint8_t *src, ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t src_stride, uint8_t *dst, ptrdiff_t dst_stride) {
#ifdef OQ_X86_BYTES
  if (rows >= 2 && rows <= 4 && dst_stride == rows && oq_bytes_has_avx512vbmi()) {
    interleave_rows_8(src, rows, cols, src_stride, dst);
    return;
  }
  if (cols >= 2 && cols <= 4 && src_stride == cols && oq_bytes_has_avx512vbmi()) {
    deinterleave_cols_8(src, rows, cols, dst, dst_stride);
    return;
  }
#endif
  for (ptrdiff_t i0 = 0; i0 < rows; i0 += OQ_BLOCK) {
    const ptrdiff_t i1 = i0 + OQ_BLOCK < rows ? i0 + OQ_BLOCK : rows;
    for (ptrdiff_t j0 = 0; j0 < cols; j0 += OQ_BLOCK) {
      const ptrdiff_t j1 = j0 + OQ_BLOCK < cols ? j0 + OQ_BLOCK : cols;
      ptrdiff_t i = i0;
#ifdef OQ_X86_BYTES
      for (; !oq_bytes_portable_forced() && i + 16 <= i1; i += 16) {
        ptrdiff_t j = j0;
        for (; j + 16 <= j1; j += 16)
          transpose_16x16_8(src + i * src_stride + j, src_stride, dst + j * dst_stride + i, dst_stride);
        for (; j < j1; j++)
          for (ptrdiff_t r = i; r < i + 16; r++) dst[j * dst_stride + r] = src[r * src_stride + j];
      }
#endif
      for (; i < i1; i++)
        for (ptrdiff_t j = j0; j < j1; j++) dst[j * dst_stride + i] = src[i * src_stride + j];
    }
  }
}

#ifdef OQ_X86_BYTES
// 4-byte elements between 16 x `few` (few = 2 to 4, packed) and `few` x 16: `few` vectors in, `few` out.
// Element k of the packed side is (k / few, k % few) and element (i, t) of the planar side is vector i,
// lane t; each output vector takes its lanes from the pair of vectors 0-1 or 2-3 (two vpermt2d, one
// blend). `to_packed`: planar in, packed out (NCHW -> NHWC); else packed in, planar out.
typedef struct {
  __m512i low[4], high[4];
  __mmask16 use_high[4];
} few_order;

static OQ_AVX512 few_order few_order_make(ptrdiff_t few, int to_packed) {
  few_order order;
  for (int o = 0; o < 4; o++) {
    int32_t low[16], high[16];
    __mmask16 use_high = 0;
    for (int t = 0; t < 16; t++) {
      // Output vector o, lane t reads input vector `from`, lane `lane`.
      int from, lane;
      if (to_packed) {
        const int k = 16 * o + t;
        from = (int)(k % few);
        lane = (int)(k / few) & 15;
      } else {
        const int k = t * (int)few + o;
        from = k / 16;
        lane = k % 16;
      }
      low[t] = (from & 1) * 16 + lane;
      high[t] = low[t];
      if (from >= 2) use_high |= (__mmask16)(1u << t);
    }
    order.low[o] = _mm512_loadu_si512((const void *)low);
    order.high[o] = _mm512_loadu_si512((const void *)high);
    order.use_high[o] = use_high;
  }
  return order;
}

static inline OQ_AVX512 __m512i few_pick(const few_order *order, int o, const __m512i *in) {
  const __m512i low = _mm512_permutex2var_epi32(in[0], order->low[o], in[1]);
  const __m512i high = _mm512_permutex2var_epi32(in[2], order->high[o], in[3]);
  return _mm512_mask_blend_epi32(order->use_high[o], low, high);
}

static OQ_AVX512 void interleave_rows_32(
    const uint32_t *src, ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t src_stride, uint32_t *dst) {
  const few_order order = few_order_make(rows, 1);
  for (ptrdiff_t j = 0; j < cols; j += 16) {
    const ptrdiff_t n = cols - j < 16 ? cols - j : 16;
    __m512i in[4];
    for (int v = 0; v < 4; v++) in[v] = _mm512_setzero_si512();
    for (ptrdiff_t i = 0; i < rows; i++) {
      in[i] = _mm512_maskz_loadu_epi32((__mmask16)mask64(n), src + i * src_stride + j);
    }
    // Only vectors holding some of the n * rows outputs are stored (no masked access past the data).
    for (ptrdiff_t o = 0; o < rows && 16 * o < n * rows; o++) {
      _mm512_mask_storeu_epi32(
          dst + j * rows + 16 * o, (__mmask16)mask64(n * rows - 16 * o), few_pick(&order, (int)o, in));
    }
  }
}

static OQ_AVX512 void deinterleave_cols_32(
    const uint32_t *src, ptrdiff_t rows, ptrdiff_t cols, uint32_t *dst, ptrdiff_t dst_stride) {
  const few_order order = few_order_make(cols, 0);
  for (ptrdiff_t i = 0; i < rows; i += 16) {
    const ptrdiff_t n = rows - i < 16 ? rows - i : 16;
    __m512i in[4];
    for (int v = 0; v < 4; v++) in[v] = _mm512_setzero_si512();
    for (ptrdiff_t v = 0; v < cols && 16 * v < n * cols; v++) {
      in[v] = _mm512_maskz_loadu_epi32((__mmask16)mask64(n * cols - 16 * v), src + i * cols + 16 * v);
    }
    for (ptrdiff_t o = 0; o < cols; o++) {
      _mm512_mask_storeu_epi32(dst + o * dst_stride + i, (__mmask16)mask64(n), few_pick(&order, (int)o, in));
    }
  }
}
#endif

void oq_transpose_32(
    const uint32_t *src, ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t src_stride, uint32_t *dst, ptrdiff_t dst_stride) {
#ifdef OQ_X86_BYTES
  if (rows >= 2 && rows <= 4 && dst_stride == rows && oq_bytes_has_avx512bw()) {
    interleave_rows_32(src, rows, cols, src_stride, dst);
    return;
  }
  if (cols >= 2 && cols <= 4 && src_stride == cols && oq_bytes_has_avx512bw()) {
    deinterleave_cols_32(src, rows, cols, dst, dst_stride);
    return;
  }
#endif
  for (ptrdiff_t i0 = 0; i0 < rows; i0 += OQ_BLOCK) {
    const ptrdiff_t i1 = i0 + OQ_BLOCK < rows ? i0 + OQ_BLOCK : rows;
    for (ptrdiff_t j0 = 0; j0 < cols; j0 += OQ_BLOCK) {
      const ptrdiff_t j1 = j0 + OQ_BLOCK < cols ? j0 + OQ_BLOCK : cols;
      ptrdiff_t i = i0;
#ifdef OQ_X86_BYTES
      for (; !oq_bytes_portable_forced() && i + 4 <= i1; i += 4) {
        ptrdiff_t j = j0;
        for (; j + 4 <= j1; j += 4)
          transpose_4x4_32(src + i * src_stride + j, src_stride, dst + j * dst_stride + i, dst_stride);
        for (; j < j1; j++)
          for (ptrdiff_t r = i; r < i + 4; r++) dst[j * dst_stride + r] = src[r * src_stride + j];
      }
#endif
      for (; i < i1; i++)
        for (ptrdiff_t j = j0; j < j1; j++) dst[j * dst_stride + i] = src[i * src_stride + j];
    }
  }
}
