// The channels-last int8 convolution's GEMM micro-kernel on aarch64 (see csupport_int8_nhwc_arm.h):
// SDOT by element, compiled for the dot product by a function attribute and only called after
// oq_nhwc_dot_kind() found HWCAP_ASIMDDP, so one binary runs on Cortex-A72/A53 (the Swift tile runs
// there) and uses SDOT on Cortex-A76. Other architectures get the same contract in plain C.
#include "csupport_int8_nhwc_arm.h"

#include <string.h>

#include "csupport_int8.h"
#include "csupport_int8_nhwc.h"

#if defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
#define OQ_ARM_NHWC 1
#include <arm_neon.h>
#if defined(__linux__)
#include <sys/auxv.h>
#ifndef HWCAP_ASIMDDP
#define HWCAP_ASIMDDP (1UL << 20)
#endif
#endif
// GCC 12's arm_neon.h defines SDOT under "arch=armv8.2-a+dotprod" (a function with only "+dotprod"
// on an ARMv8.0 base cannot inline it); clang takes the feature name.
#if defined(__ARM_FEATURE_DOTPROD)
#define OQ_DOTPROD  // the whole file is compiled for a CPU with it (-mcpu=cortex-a76)
#elif defined(__clang__)
#define OQ_DOTPROD __attribute__((target("dotprod")))
#else
#define OQ_DOTPROD __attribute__((target("arch=armv8.2-a+dotprod")))
#endif
#endif

int oq_nhwc_dot_kind(void) {
#ifdef OQ_ARM_NHWC
  static int cached = -1;
  if (cached < 0) {
#if defined(__linux__) && defined(AT_HWCAP)
    cached = (getauxval(AT_HWCAP) & HWCAP_ASIMDDP) ? OQ_NHWC_DOT_S8S8 : OQ_NHWC_DOT_NONE;
#elif defined(__ARM_FEATURE_DOTPROD)
    cached = OQ_NHWC_DOT_S8S8;  // no run-time query here; the whole build assumes the dot product
#else
    cached = OQ_NHWC_DOT_NONE;
#endif
  }
  return cached;
#else
  return oq_has_u8s8_dot() == 1 ? OQ_NHWC_DOT_U8S8 : OQ_NHWC_DOT_NONE;
#endif
}

#ifdef OQ_ARM_NHWC
// Positions per register tile: R * 4 accumulators (16 channels a row), R activation registers and 4
// weight registers of the 32. At R = 4 GCC 12 copies accumulators between registers inside the loop
// (13 moves per 64 SDOT): R = 3 executes fewer instructions per SDOT under qemu (1.54 against 1.59).
#define OQ_ARM_TILE_ROWS 3

// 4n bytes (n quads, 1 to 4) of activations from p, no byte past them read, XORed with `flip`.
static inline __attribute__((always_inline)) OQ_DOTPROD int8x16_t load_quads(const uint8_t *p, int n,
                                                                             uint8x16_t flip) {
  uint8x16_t v;
  if (n == 4) {
    v = vld1q_u8(p);
  } else if (n == 1) {
    uint32_t t;
    memcpy(&t, p, 4);
    v = vreinterpretq_u8_u32(vsetq_lane_u32(t, vdupq_n_u32(0), 0));
  } else {
    uint32_t t = 0;
    if (n == 3) memcpy(&t, p + 8, 4);
    v = vcombine_u8(vld1_u8(p), vcreate_u8((uint64_t)t));
  }
  return vreinterpretq_s8_u8(veorq_u8(v, flip));
}

// One quad (lane L of every row's activation register) against the 4 weight registers of 16 channels.
#define OQ_ARM_QUAD(L)                                                                                 \
  do {                                                                                                 \
    const int8x16_t w0 = vld1q_s8(w), w1 = vld1q_s8(w + 16), w2 = vld1q_s8(w + 32),                    \
                    w3 = vld1q_s8(w + 48);                                                             \
    _Pragma("GCC unroll 8") for (int r = 0; r < R; r++) {                                              \
      acc[r][0] = vdotq_laneq_s32(acc[r][0], w0, x[r], L);                                             \
      acc[r][1] = vdotq_laneq_s32(acc[r][1], w1, x[r], L);                                             \
      acc[r][2] = vdotq_laneq_s32(acc[r][2], w2, x[r], L);                                             \
      acc[r][3] = vdotq_laneq_s32(acc[r][3], w3, x[r], L);                                             \
    }                                                                                                  \
    w += quad_stride;                                                                                  \
  } while (0)

// One register tile: R positions by one vector of 16 output channels (4 registers of 4), every (tap,
// quad) of k. Each row's activations are loaded 4 quads (16 bytes) at a time, quad i in lane i. R and F
// are constants at each call, so the accumulators live in registers.
static inline __attribute__((always_inline)) OQ_DOTPROD void tile(const uint8_t *const *a, int rows,
                                                                 int r0, int taps, int tap_quads,
                                                                 const int8_t *w, ptrdiff_t quad_stride,
                                                                 int32_t *out, ptrdiff_t out_stride,
                                                                 const int R, const int F) {
  int32x4_t acc[OQ_ARM_TILE_ROWS][4];
  _Pragma("GCC unroll 8") for (int r = 0; r < R; r++) {
    acc[r][0] = acc[r][1] = acc[r][2] = acc[r][3] = vdupq_n_s32(0);
  }
  const uint8x16_t flip = vdupq_n_u8(F ? 0x80 : 0);
  for (int tap = 0; tap < taps; tap++) {
    const uint8_t *p[OQ_ARM_TILE_ROWS];
    _Pragma("GCC unroll 8") for (int r = 0; r < R; r++) p[r] = a[(size_t)tap * rows + r0 + r];
    int8x16_t x[OQ_ARM_TILE_ROWS];
    int q = 0;
    for (; q + 4 <= tap_quads; q += 4) {
      _Pragma("GCC unroll 8") for (int r = 0; r < R; r++) x[r] = load_quads(p[r] + 4 * q, 4, flip);
      OQ_ARM_QUAD(0);
      OQ_ARM_QUAD(1);
      OQ_ARM_QUAD(2);
      OQ_ARM_QUAD(3);
    }
    if (q < tap_quads) {
      const int n = tap_quads - q;
      _Pragma("GCC unroll 8") for (int r = 0; r < R; r++) x[r] = load_quads(p[r] + 4 * q, n, flip);
      OQ_ARM_QUAD(0);
      if (n > 1) OQ_ARM_QUAD(1);
      if (n > 2) OQ_ARM_QUAD(2);
    }
  }
  // Rows in increasing order: with M < 16 a row's lanes past M are the next row's, stored after.
  _Pragma("GCC unroll 8") for (int r = 0; r < R; r++) {
    int32_t *o = out + (ptrdiff_t)(r0 + r) * out_stride;
    vst1q_s32(o, acc[r][0]);
    vst1q_s32(o + 4, acc[r][1]);
    vst1q_s32(o + 8, acc[r][2]);
    vst1q_s32(o + 12, acc[r][3]);
  }
}

typedef void (*oq_arm_tile_fn)(const uint8_t *const *, int, int, int, int, const int8_t *, ptrdiff_t,
                               int32_t *, ptrdiff_t);

#define OQ_ARM_TILE(R, F)                                                                              \
  static OQ_DOTPROD void tile_##R##_##F(const uint8_t *const *a, int rows, int r0, int taps,          \
                                        int tap_quads, const int8_t *w, ptrdiff_t quad_stride,        \
                                        int32_t *out, ptrdiff_t out_stride) {                         \
    tile(a, rows, r0, taps, tap_quads, w, quad_stride, out, out_stride, R, F);                        \
  }
OQ_ARM_TILE(1, 0)
OQ_ARM_TILE(2, 0)
OQ_ARM_TILE(3, 0)
OQ_ARM_TILE(1, 1)
OQ_ARM_TILE(2, 1)
OQ_ARM_TILE(3, 1)

// [flip][rows - 1]
static const oq_arm_tile_fn tiles[2][OQ_ARM_TILE_ROWS] = {{tile_1_0, tile_2_0, tile_3_0},
                                                          {tile_1_1, tile_2_1, tile_3_1}};
#endif

void oq_nhwc_s8s8_conv(const uint8_t *const *a, int rows, int taps, int tap_quads, const int8_t *w,
                       int vectors, int32_t *out, ptrdiff_t out_stride, int flip) {
  const size_t block_bytes = (size_t)taps * tap_quads * 4 * OQ_NHWC_BLOCK_CHANNELS;
#ifdef OQ_ARM_NHWC
  // A block's vector v (16 channels) is 64 bytes at 64 v in each quad's 64 * (vectors in block).
  for (int block = 0; block * 4 < vectors; block++) {
    const int in_block = vectors - 4 * block < 4 ? vectors - 4 * block : 4;
    for (int v = 0; v < in_block; v++) {
      const int8_t *wv = w + block * block_bytes + 64 * v;
      int32_t *ov = out + OQ_NHWC_BLOCK_CHANNELS * block + 16 * v;
      for (int r0 = 0; r0 < rows; r0 += OQ_ARM_TILE_ROWS) {
        const int r = rows - r0 < OQ_ARM_TILE_ROWS ? rows - r0 : OQ_ARM_TILE_ROWS;
        tiles[flip ? 1 : 0][r - 1](a, rows, r0, taps, tap_quads, wv, 64 * in_block, ov, out_stride);
      }
    }
  }
#else
  // The contract in plain C, rows in increasing order (see the tile's store).
  const uint8_t mask = flip ? 0x80 : 0;
  for (int r = 0; r < rows; r++) {
    for (int j = 0; j < 16 * vectors; j++) {
      const int block = j / OQ_NHWC_BLOCK_CHANNELS;
      const int in_block = vectors - 4 * block < 4 ? vectors - 4 * block : 4;
      const int8_t *wj = w + block * block_bytes + (j % OQ_NHWC_BLOCK_CHANNELS) * 4;
      uint32_t sum = 0;  // wraps like the int32 lanes of the vector kernels
      for (int tap = 0; tap < taps; tap++) {
        const uint8_t *p = a[(size_t)tap * rows + r];
        for (int i = 0; i < 4 * tap_quads; i++) {
          const int8_t x = (int8_t)(p[i] ^ mask);
          const int8_t wk = wj[((size_t)tap * tap_quads + i / 4) * 64 * in_block + i % 4];
          sum += (uint32_t)((int32_t)x * wk);
        }
      }
      out[(ptrdiff_t)r * out_stride + j] = (int32_t)sum;
    }
  }
#endif
}
