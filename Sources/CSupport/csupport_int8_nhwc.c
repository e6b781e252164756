// The channels-last int8 convolution's GEMM micro-kernel (see csupport_int8_nhwc.h). The AVX-512 VNNI
// code is compiled for that ISA by function attributes and only called after oq_has_u8s8_dot(); other
// architectures get an empty entry point (the Swift kernel runs instead).
#include "csupport_int8_nhwc.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define OQ_X86_NHWC 1
#endif

#ifdef OQ_X86_NHWC
#define OQ_VNNI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

// One register tile: R positions by J vectors of 16 channels, every (tap, quad) of k. R, J and F are
// constants at each call, so the accumulator arrays live in registers (R * J <= 24 of the 32 zmm).
static inline __attribute__((always_inline)) OQ_VNNI void tile(const uint8_t *const *a, int rows, int r0,
                                                              int taps, int tap_quads, const int8_t *w,
                                                              int32_t *out, ptrdiff_t out_stride,
                                                              const int R, const int J, const int F) {
  __m512i acc[OQ_NHWC_TILE_ROWS][4];
  for (int r = 0; r < R; r++)
    for (int j = 0; j < J; j++) acc[r][j] = _mm512_setzero_si512();
  const uint32_t flip = F ? 0x80808080u : 0;
  for (int tap = 0; tap < taps; tap++) {
    const uint8_t *p[OQ_NHWC_TILE_ROWS];
    for (int r = 0; r < R; r++) p[r] = a[(size_t)tap * rows + r0 + r];
    for (int q = 0; q < tap_quads; q++) {
      __m512i b[4];
      for (int j = 0; j < J; j++) b[j] = _mm512_loadu_si512((const void *)(w + 64 * j));
      for (int r = 0; r < R; r++) {
        uint32_t v;
        memcpy(&v, p[r] + 4 * q, 4);
        const __m512i x = _mm512_set1_epi32((int)(v ^ flip));
        for (int j = 0; j < J; j++) acc[r][j] = _mm512_dpbusd_epi32(acc[r][j], x, b[j]);
      }
      w += 64 * J;
    }
  }
  for (int r = 0; r < R; r++)
    for (int j = 0; j < J; j++)
      _mm512_storeu_si512((void *)(out + (ptrdiff_t)(r0 + r) * out_stride + 16 * j), acc[r][j]);
}

typedef void (*oq_nhwc_tile_fn)(const uint8_t *const *, int, int, int, int, const int8_t *, int32_t *,
                                ptrdiff_t);

#define OQ_NHWC_TILE(R, J, F)                                                                           \
  static OQ_VNNI void tile_##R##_##J##_##F(const uint8_t *const *a, int rows, int r0, int taps,        \
                                           int tap_quads, const int8_t *w, int32_t *out,              \
                                           ptrdiff_t out_stride) {                                     \
    tile(a, rows, r0, taps, tap_quads, w, out, out_stride, R, J, F);                                   \
  }
#define OQ_NHWC_ROWS(J, F)                                                                               \
  OQ_NHWC_TILE(1, J, F)                                                                                \
  OQ_NHWC_TILE(2, J, F)                                                                                \
  OQ_NHWC_TILE(3, J, F) OQ_NHWC_TILE(4, J, F) OQ_NHWC_TILE(5, J, F) OQ_NHWC_TILE(6, J, F)
#define OQ_NHWC_VECTORS(F) OQ_NHWC_ROWS(1, F) OQ_NHWC_ROWS(2, F) OQ_NHWC_ROWS(3, F) OQ_NHWC_ROWS(4, F)
OQ_NHWC_VECTORS(0)
OQ_NHWC_VECTORS(1)

#define OQ_NHWC_ROW_ENTRIES(J, F)                                                                        \
  {tile_1_##J##_##F, tile_2_##J##_##F, tile_3_##J##_##F,                                               \
   tile_4_##J##_##F, tile_5_##J##_##F, tile_6_##J##_##F}
#define OQ_NHWC_FLIP_ENTRIES(F)                                                                          \
  {OQ_NHWC_ROW_ENTRIES(1, F), OQ_NHWC_ROW_ENTRIES(2, F), OQ_NHWC_ROW_ENTRIES(3, F),                    \
   OQ_NHWC_ROW_ENTRIES(4, F)}

// [flip][vectors - 1][rows - 1]
static const oq_nhwc_tile_fn tiles[2][4][OQ_NHWC_TILE_ROWS] = {OQ_NHWC_FLIP_ENTRIES(0),
                                                                OQ_NHWC_FLIP_ENTRIES(1)};
#endif

void oq_nhwc_u8s8_conv(const uint8_t *const *a, int rows, int taps, int tap_quads, const int8_t *w,
                       int vectors, int32_t *out, ptrdiff_t out_stride, int flip) {
#ifdef OQ_X86_NHWC
  const size_t block_bytes = (size_t)taps * tap_quads * 256;
  // Blocks outer: one block's weights (at most taps * C * 64 bytes) stay in cache across the row tiles.
  for (int block = 0; block * 4 < vectors; block++) {
    const int j = vectors - 4 * block < 4 ? vectors - 4 * block : 4;
    const int8_t *wb = w + block * block_bytes;
    int32_t *ob = out + 64 * block;
    // The fewest tiles that cover the rows, their sizes at most one apart (49 rows: 6 x 4 and 5 x 5, not
    // 6 x 8 and a 1-row tile that reads the whole block's weights for one position).
    const int count = (rows + OQ_NHWC_TILE_ROWS - 1) / OQ_NHWC_TILE_ROWS;
    const int small = rows / count, larger = rows % count;
    for (int t = 0, r0 = 0; t < count; t++) {
      const int r = t < larger ? small + 1 : small;
      tiles[flip ? 1 : 0][j - 1][r - 1](a, rows, r0, taps, tap_quads, wb, ob, out_stride);
      r0 += r;
    }
  }
#else
  (void)a;
  (void)rows;
  (void)taps;
  (void)tap_quads;
  (void)w;
  (void)vectors;
  (void)out;
  (void)out_stride;
  (void)flip;
#endif
}
