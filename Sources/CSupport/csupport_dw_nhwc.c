// The channels-last int8 depthwise multiply-adds with AVX-512 VNNI (see csupport_dw_nhwc.h). The x86 code
// is compiled for that ISA by function attributes and only called after oq_dw_nhwc_prepare() said yes;
// other architectures get the portable planning and packing and an empty entry point (the Swift kernel
// runs instead).
#include "csupport_dw_nhwc.h"

#include <string.h>

#include "csupport_int8.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define OQ_X86_DW 1
#endif

// Interleaved dwords per chunk (all groups and phases): 32 KB, so that a chunk's rows stay near L1
// while every tap column reads them.
#define OQ_DW_CHUNK_DWORDS 8192

static int gcd16(int c) {
  int a = c, b = 16;
  while (b != 0) {
    const int t = a % b;
    a = b;
    b = t;
  }
  return a;
}

static int has_vnni_vbmi(void) {
#ifdef OQ_X86_DW
  static int cached = -1;
  if (cached < 0) {
    __builtin_cpu_init();
    cached = oq_has_u8s8_dot() == 1 && __builtin_cpu_supports("avx512vbmi") ? 1 : 0;
  }
  return cached;
#else
  return 0;
#endif
}

int oq_dw_nhwc_prepare(const oq_dw_nhwc_shape *s, oq_dw_nhwc_plan *p) {
  memset(p, 0, sizeof *p);
  p->shape = *s;
  if (s->channels < 1 || s->grid_w < 1 || s->kernel_h < 1 || s->kernel_w < 1 || s->stride_w < 1 ||
      s->dilation_w < 1 || s->image_w < 0 || s->pad_w < 0)
    return 0;
  if (s->stride_w != 1 && s->channels % 16 != 0) return 0;
  const int kh = s->kernel_h, kw = s->kernel_w, c = s->channels, sw = s->stride_w;
  int g = 0, t = 0;
  for (int r0 = 0; r0 < kh; r0 += 4, g++) {
    if (g == OQ_DW_MAX_GROUPS) return 0;
    const int left = kh - r0;
    int step = 1;
    for (int i = 0; i < 4; i++) {
      if (left >= 3) {
        p->lane_row[g][i] = i < left ? r0 + i : -1;
        p->lane_shift[g][i] = 0;
      } else if (left == 2) {
        p->lane_row[g][i] = r0 + i / 2;
        p->lane_shift[g][i] = i % 2;
        step = 2;
      } else {
        p->lane_row[g][i] = r0;
        p->lane_shift[g][i] = i;
        step = 4;
      }
    }
    for (int k = 0; k < kw; k += step, t++) {
      if (t == OQ_DW_MAX_TAPS) return 0;
      p->tap_group[t] = g;
      p->tap_column[t] = k;
    }
  }
  p->groups = g;
  p->taps = t;
  p->period = c / gcd16(c);
  // Output pixels per chunk: as many as fit OQ_DW_CHUNK_DWORDS with their input columns, a multiple of
  // 16 / gcd(C, 16) (so that every chunk starts on a whole vector of 16 elements), or the whole row.
  const long halo = (long)(kw - 1) * s->dilation_w;
  const long unit = 16 / gcd16(c);
  const long budget = OQ_DW_CHUNK_DWORDS / ((long)g * c);
  long q = budget > halo + 1 ? (budget - halo - 1) / sw + 1 : 1;
  if (q < s->grid_w) {
    q = q / unit * unit;
    if (q < unit) q = unit;
  }
  p->chunk = q >= s->grid_w ? s->grid_w : (int)q;
  p->image_bytes = (ptrdiff_t)s->image_w * c;
  // A phase holds its columns of the chunk's input, plus 64 dwords of slack (whole 64-element blocks
  // are written, whole 16-element vectors read).
  const long in_px = (long)(p->chunk - 1) * sw + halo + 1;
  const long phase_px = (in_px + sw - 1) / sw;
  p->phase_stride = (ptrdiff_t)((phase_px * c + 64 + 15) & ~15L);
  p->group_stride = (ptrdiff_t)sw * p->phase_stride;
  for (int i = 0; i < t; i++) {
    const int reach = p->tap_column[i] * s->dilation_w;
    p->tap_offset[i] = p->tap_group[i] * p->group_stride + (reach % sw) * p->phase_stride +
                       (ptrdiff_t)(reach / sw) * c;
  }
  return has_vnni_vbmi();
}

size_t oq_dw_nhwc_weight_bytes(const oq_dw_nhwc_plan *p) { return (size_t)p->period * p->taps * 64; }

void oq_dw_nhwc_pack(const oq_dw_nhwc_plan *p, const int32_t *w, int8_t *out) {
  const int c = p->shape.channels, kh = p->shape.kernel_h, kw = p->shape.kernel_w;
  for (int v = 0; v < p->period; v++)
    for (int t = 0; t < p->taps; t++)
      for (int lane = 0; lane < 16; lane++) {
        const int channel = (16 * v + lane) % c;
        int8_t *o = out + (((size_t)v * p->taps + t) * 16 + lane) * 4;
        for (int i = 0; i < 4; i++) {
          const int row = p->lane_row[p->tap_group[t]][i];
          const int col = p->tap_column[t] + p->lane_shift[p->tap_group[t]][i];
          o[i] = row >= 0 && col < kw ? (int8_t)w[((size_t)channel * kh + row) * kw + col] : 0;
        }
      }
}

size_t oq_dw_nhwc_scratch_bytes(const oq_dw_nhwc_plan *p) {
  return (size_t)p->groups * p->group_stride * 4;
}

#ifdef OQ_X86_DW
#define OQ_DW __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,avx512vbmi")))

// vpermt2b orders: byte pairs (a[e], b[e]) with 128-bit lane L holding elements 4L..4L+3 in its words
// 0..3 and 16 + 4L.. in words 4..7 (elements 0..31; the second table 32..63), so that the 16-bit
// unpacks of two such vectors (which work within lanes) give elements 16j..16j+15 in order.
static const uint8_t order_low[64] = {
    0,  64, 1,  65, 2,  66, 3,  67, 16, 80, 17, 81, 18, 82, 19, 83, 4,  68, 5,  69, 6,  70,
    7,  71, 20, 84, 21, 85, 22, 86, 23, 87, 8,  72, 9,  73, 10, 74, 11, 75, 24, 88, 25, 89,
    26, 90, 27, 91, 12, 76, 13, 77, 14, 78, 15, 79, 28, 92, 29, 93, 30, 94, 31, 95};
static const uint8_t order_high[64] = {
    32, 96,  33, 97,  34, 98,  35, 99,  48, 112, 49, 113, 50, 114, 51, 115, 36, 100, 37, 101, 38, 102,
    39, 103, 52, 116, 53, 117, 54, 118, 55, 119, 40, 104, 41, 105, 42, 106, 43, 107, 56, 120, 57, 121,
    58, 122, 59, 123, 44, 108, 45, 109, 46, 110, 47, 111, 60, 124, 61, 125, 62, 126, 63, 127};

static const uint8_t iota_bytes[64] = {
    0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21,
    22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40, 41, 42, 43,
    44, 45, 46, 47, 48, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59, 60, 61, 62, 63};

// Bits [max(lo, 0), min(hi, 64)) of a 64-bit mask.
static inline OQ_DW __mmask64 mask_between(ptrdiff_t lo, ptrdiff_t hi) {
  if (lo < 0) lo = 0;
  if (hi > 64) hi = 64;
  if (hi <= lo) return 0;
  const __mmask64 below = hi == 64 ? ~(__mmask64)0 : (((__mmask64)1 << hi) - 1);
  return below & ~(((__mmask64)1 << lo) - 1);
}

// One 64-element block of the group's lanes, interleaved into dwords: o[j] holds elements 16j..16j+15.
// Lane i reads its row's bytes from image position at[i] + off, x_zero_point outside the image (all of
// it for a lane without a row). `inside`: every lane with a row reads 64 bytes inside the image.
// No load starts before a row (a masked load whose masked-off bytes fall in an unmapped page is very
// slow on some CPUs): one starting before the row loads from the row and shifts the bytes into place.
static inline __attribute__((always_inline)) OQ_DW void interleave_block(
    const uint8_t *const *base, const ptrdiff_t *at, ptrdiff_t limit, ptrdiff_t off, __m512i zero,
    __m512i flip, __m512i low, __m512i high, const int inside, __m512i *o) {
  const __m512i iota = _mm512_loadu_si512((const void *)iota_bytes);
  __m512i r[4];
  for (int i = 0; i < 4; i++) {
    __m512i x = zero;
    const ptrdiff_t pos = at[i] + off;
    if (!base[i] || pos >= limit || pos <= -64) {
      // Padding only.
    } else if (inside) {
      x = _mm512_loadu_si512((const void *)(base[i] + pos));
    } else if (pos >= 0) {
      x = _mm512_mask_loadu_epi8(zero, mask_between(0, limit - pos), base[i] + pos);
    } else {
      const __m512i head = _mm512_maskz_loadu_epi8(mask_between(0, limit), base[i]);
      const __m512i from = _mm512_add_epi8(iota, _mm512_set1_epi8((char)pos));
      x = _mm512_mask_permutexvar_epi8(zero, mask_between(-pos, limit - pos), from, head);
    }
    r[i] = _mm512_xor_si512(x, flip);
  }
  const __m512i a0 = _mm512_permutex2var_epi8(r[0], low, r[1]);
  const __m512i a1 = _mm512_permutex2var_epi8(r[0], high, r[1]);
  const __m512i b0 = _mm512_permutex2var_epi8(r[2], low, r[3]);
  const __m512i b1 = _mm512_permutex2var_epi8(r[2], high, r[3]);
  o[0] = _mm512_unpacklo_epi16(a0, b0);
  o[1] = _mm512_unpackhi_epi16(a0, b0);
  o[2] = _mm512_unpacklo_epi16(a1, b1);
  o[3] = _mm512_unpackhi_epi16(a1, b1);
}

// Group g of the chunk whose input starts at byte `start` of the rows (`span` bytes), interleaved into
// dwords (lane 0, lane 1, lane 2, lane 3) at `dst`: in order (stride 1), or column p to phase
// p % stride_w at column p / stride_w (C a multiple of 16, so a 16-element vector is one column's).
static OQ_DW void interleave(const oq_dw_nhwc_plan *p, int g, const uint8_t *const *rows, ptrdiff_t start,
                             ptrdiff_t span, __m512i zero, __m512i flip, int32_t *dst) {
  const int c = p->shape.channels, sw = p->shape.stride_w;
  const __m512i low = _mm512_loadu_si512((const void *)order_low);
  const __m512i high = _mm512_loadu_si512((const void *)order_high);
  const ptrdiff_t limit = p->image_bytes;
  const uint8_t *base[4];  // NULL: x_zero_point only
  ptrdiff_t at[4];  // image byte of each lane at the chunk's first padded column
  // Blocks at offsets in [first, last] read whole 64 bytes inside the image for every lane with a row.
  ptrdiff_t first = 0, last = span;
  for (int i = 0; i < 4; i++) {
    const int row = p->lane_row[g][i];
    base[i] = row >= 0 ? rows[row] : 0;
    at[i] = start + ((ptrdiff_t)p->lane_shift[g][i] * p->shape.dilation_w - p->shape.pad_w) * c;
    if (!base[i]) continue;
    if (-at[i] > first) first = -at[i];
    if (limit - at[i] - 64 < last) last = limit - at[i] - 64;
  }
  __m512i o[4];
  ptrdiff_t off = 0;
  if (sw == 1) {
    for (; off < span; off += 64) {
      if (off >= first && off <= last) {
        interleave_block(base, at, limit, off, zero, flip, low, high, 1, o);
      } else {
        interleave_block(base, at, limit, off, zero, flip, low, high, 0, o);
      }
      for (int j = 0; j < 4; j++) _mm512_storeu_si512((void *)(dst + off + 16 * j), o[j]);
    }
    return;
  }
  int c0 = 0, phase = 0;
  ptrdiff_t column = 0;
  for (; off < span; off += 64) {
    if (off >= first && off <= last) {
      interleave_block(base, at, limit, off, zero, flip, low, high, 1, o);
    } else {
      interleave_block(base, at, limit, off, zero, flip, low, high, 0, o);
    }
    for (int j = 0; j < 4 && off + 16 * j < span; j++) {
      _mm512_storeu_si512((void *)(dst + phase * p->phase_stride + column * c + c0), o[j]);
      c0 += 16;
      if (c0 == c) {
        c0 = 0;
        if (++phase == sw) {
          phase = 0;
          column++;
        }
      }
    }
  }
}

// acc[16v..16v+15] = sum over t of vpdpbusd(src[offsets[t] + 16v..], w[phase(v)][t]) for the vectors v
// below `elements`, phase by phase so that the phase's weights stay in registers (T taps, a constant at
// each call, at most 16; 0: `taps`, weights loaded from memory). `phase0` is the phase of vector 0.
static inline __attribute__((always_inline)) OQ_DW void multiply(
    const int32_t *src, const ptrdiff_t *offsets, const int8_t *w, int period, int phase0,
    ptrdiff_t elements, int32_t *acc, const int T, int taps) {
  const int n = T ? T : taps;
  for (int p = 0; p < period; p++) {
    const int8_t *wp = w + (size_t)p * n * 64;
    // Locals (T of them), so that the stores to acc cannot be taken to change them.
    __m512i wv[16];
    const int32_t *sources[16];
    for (int t = 0; t < T; t++) {
      wv[t] = _mm512_loadu_si512((const void *)(wp + 64 * t));
      sources[t] = src + offsets[t];
    }
    const int first = p >= phase0 ? p - phase0 : p - phase0 + period;
    for (ptrdiff_t e = 16 * (ptrdiff_t)first; e < elements; e += 16 * (ptrdiff_t)period) {
      __m512i a = _mm512_setzero_si512();
      for (int t = 0; t < n; t++) {
        const int32_t *source = T ? sources[t] : src + offsets[t];
        const __m512i x = _mm512_loadu_si512((const void *)(source + e));
        const __m512i weight = T ? wv[t] : _mm512_loadu_si512((const void *)(wp + 64 * t));
        a = _mm512_dpbusd_epi32(a, x, weight);
      }
      _mm512_storeu_si512((void *)(acc + e), a);
    }
  }
}

typedef void (*oq_dw_multiply_fn)(const int32_t *, const ptrdiff_t *, const int8_t *, int, int,
                                  ptrdiff_t, int32_t *, int);

#define OQ_DW_MULTIPLY(T)                                                                                 \
  static OQ_DW void multiply_##T(const int32_t *src, const ptrdiff_t *offsets, const int8_t *w,          \
                                 int period, int phase0, ptrdiff_t elements, int32_t *acc, int taps) {   \
    multiply(src, offsets, w, period, phase0, elements, acc, T, taps);                                   \
  }
// 3x3 (3), 5x5 (7), and any other.
OQ_DW_MULTIPLY(3)
OQ_DW_MULTIPLY(7)
OQ_DW_MULTIPLY(0)

static OQ_DW void row_vnni(const oq_dw_nhwc_plan *p, const uint8_t *const *rows, uint8_t zero_code,
                           const int8_t *w, int flip, int32_t *acc, int32_t *interleaved) {
  const int c = p->shape.channels, sw = p->shape.stride_w, grid = p->shape.grid_w;
  const ptrdiff_t halo = (ptrdiff_t)(p->shape.kernel_w - 1) * p->shape.dilation_w;
  const oq_dw_multiply_fn fn = p->taps == 3 ? multiply_3 : p->taps == 7 ? multiply_7 : multiply_0;
  const __m512i f = _mm512_set1_epi8(flip ? (char)0x80 : 0);
  const __m512i zero = _mm512_set1_epi8((char)zero_code);
  for (int g0 = 0; g0 < grid; g0 += p->chunk) {
    const int n = grid - g0 < p->chunk ? grid - g0 : p->chunk;
    const ptrdiff_t span = ((ptrdiff_t)(n - 1) * sw + halo + 1) * c;
    for (int g = 0; g < p->groups; g++)
      interleave(p, g, rows, (ptrdiff_t)g0 * sw * c, span, zero, f, interleaved + g * p->group_stride);
    const int phase0 = (int)(((ptrdiff_t)g0 * c / 16) % p->period);
    fn(interleaved, p->tap_offset, w, p->period, phase0, (ptrdiff_t)n * c, acc + (ptrdiff_t)g0 * c,
       p->taps);
  }
}
#endif

void oq_dw_nhwc_row(const oq_dw_nhwc_plan *plan, const uint8_t *const *rows, uint8_t zero, const int8_t *w,
                    int flip, int32_t *acc, void *scratch) {
#ifdef OQ_X86_DW
  row_vnni(plan, rows, zero, w, flip, acc, (int32_t *)scratch);
#else
  (void)plan;
  (void)rows;
  (void)zero;
  (void)w;
  (void)flip;
  (void)acc;
  (void)scratch;
#endif
}
