// The channels-last int8 depthwise multiply-adds with AVX-512 VNNI (see csupport_dw_nhwc.h). The x86 code
// is compiled for that ISA by function attributes and only called after oq_dw_nhwc_available(); other
// architectures get the portable packing and an empty entry point (the Swift kernel runs instead).
#include "csupport_dw_nhwc.h"

#include "csupport_int8.h"

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define OQ_X86_DW 1
#endif

// Interleaved dwords per chunk (all groups and phases): 32 KB, so that a chunk's rows stay near L1
// while every tap column reads them.
#define OQ_DW_CHUNK_DWORDS 8192
// Most (kernel row group, tap column) pairs: the per-chunk offsets live on the stack.
#define OQ_DW_MAX_TAPS 64

static int gcd16(int c) {
  int a = c, b = 16;
  while (b != 0) {
    const int t = a % b;
    a = b;
    b = t;
  }
  return a;
}

static int period_of(const oq_dw_nhwc_shape *s) { return s->channels / gcd16(s->channels); }
static int groups_of(const oq_dw_nhwc_shape *s) { return (s->kernel_h + 3) / 4; }
static int halo_of(const oq_dw_nhwc_shape *s) { return (s->kernel_w - 1) * s->dilation_w; }

// Output pixels per chunk: as many as fit OQ_DW_CHUNK_DWORDS with their input columns, a multiple of
// 16 / gcd(C, 16) (so that every chunk starts on a whole vector of 16 elements), or the whole row.
static int chunk_pixels(const oq_dw_nhwc_shape *s) {
  const long halo = halo_of(s);
  const long unit = 16 / gcd16(s->channels);
  const long budget = OQ_DW_CHUNK_DWORDS / ((long)groups_of(s) * s->channels);
  long q = budget > halo + 1 ? (budget - halo - 1) / s->stride_w + 1 : 1;
  if (q >= s->grid_w) return s->grid_w;
  q = q / unit * unit;
  if (q < unit) q = unit;
  return q >= s->grid_w ? s->grid_w : (int)q;
}

// Dwords between two phases of an interleaved chunk of `q` output pixels: the phase's columns, plus
// 64 of slack (whole 64-element blocks are written, whole 16-element vectors read).
static ptrdiff_t phase_stride(const oq_dw_nhwc_shape *s, int q) {
  const long in_px = (long)(q - 1) * s->stride_w + halo_of(s) + 1;
  const long phase_px = (in_px + s->stride_w - 1) / s->stride_w;
  return (ptrdiff_t)((phase_px * s->channels + 64 + 15) & ~15L);
}

int oq_dw_nhwc_available(const oq_dw_nhwc_shape *s) {
  if (s->channels < 1 || s->grid_w < 1 || s->kernel_h < 1 || s->kernel_w < 1 || s->stride_w < 1 ||
      s->dilation_w < 1)
    return 0;
  if (s->stride_w != 1 && s->channels % 16 != 0) return 0;
  if (groups_of(s) * s->kernel_w > OQ_DW_MAX_TAPS) return 0;
  return oq_has_u8s8_dot();
}

size_t oq_dw_nhwc_weight_bytes(const oq_dw_nhwc_shape *s) {
  return (size_t)period_of(s) * groups_of(s) * s->kernel_w * 64;
}

void oq_dw_nhwc_pack(const oq_dw_nhwc_shape *s, const int32_t *w, int8_t *out) {
  const int c = s->channels, kh = s->kernel_h, kw = s->kernel_w, groups = groups_of(s);
  for (int p = 0; p < period_of(s); p++)
    for (int g = 0; g < groups; g++)
      for (int col = 0; col < kw; col++)
        for (int lane = 0; lane < 16; lane++) {
          const int channel = (16 * p + lane) % c;
          int8_t *o = out + ((((size_t)p * groups + g) * kw + col) * 16 + lane) * 4;
          for (int i = 0; i < 4; i++) {
            const int row = 4 * g + i;
            o[i] = row < kh ? (int8_t)w[((size_t)channel * kh + row) * kw + col] : 0;
          }
        }
}

size_t oq_dw_nhwc_scratch_bytes(const oq_dw_nhwc_shape *s) {
  return (size_t)groups_of(s) * s->stride_w * phase_stride(s, chunk_pixels(s)) * 4;
}

#ifdef OQ_X86_DW
#define OQ_DW __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

// Bytes [start, start + span) of `count` (1..4) kernel rows, interleaved into dwords (x_row0, x_row1,
// x_row2, x_row3) at `dst`: in order (stride 1), or column p to phase p % stride_w at column p / stride_w
// (`phase_stride` dwords per phase; C a multiple of 16, so a 16-element vector is one column's).
static OQ_DW void interleave(const uint8_t *const *rows, int count, size_t start, ptrdiff_t span,
                             int channels, int stride_w, int32_t *dst, ptrdiff_t phase_stride,
                             __m512i flip) {
  // Dword 4L + j from dword 4j + L: after the two unpacks (which work within 128-bit lanes), vector j
  // then holds elements 16j..16j+15 in order.
  const __m512i order = _mm512_setr_epi32(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15);
  int c0 = 0, phase = 0;
  ptrdiff_t column = 0;
  for (ptrdiff_t off = 0; off < span; off += 64) {
    const ptrdiff_t left = span - off;
    const __mmask64 m = left >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << left) - 1);
    __m512i o[4];
    if (count == 1) {
      const __m512i r = _mm512_xor_si512(_mm512_maskz_loadu_epi8(m, rows[0] + start + off), flip);
      o[0] = _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(r, 0));
      o[1] = _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(r, 1));
      o[2] = _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(r, 2));
      o[3] = _mm512_cvtepu8_epi32(_mm512_extracti32x4_epi32(r, 3));
    } else {
      __m512i r[4];
      for (int i = 0; i < 4; i++)
        r[i] = i < count ? _mm512_permutexvar_epi32(
                               order, _mm512_xor_si512(
                                          _mm512_maskz_loadu_epi8(m, rows[i] + start + off), flip))
                         : _mm512_setzero_si512();
      const __m512i a = _mm512_unpacklo_epi8(r[0], r[1]);
      const __m512i b = _mm512_unpackhi_epi8(r[0], r[1]);
      const __m512i c = _mm512_unpacklo_epi8(r[2], r[3]);
      const __m512i d = _mm512_unpackhi_epi8(r[2], r[3]);
      o[0] = _mm512_unpacklo_epi16(a, c);
      o[1] = _mm512_unpackhi_epi16(a, c);
      o[2] = _mm512_unpacklo_epi16(b, d);
      o[3] = _mm512_unpackhi_epi16(b, d);
    }
    if (stride_w == 1) {
      for (int j = 0; j < 4; j++) _mm512_storeu_si512((void *)(dst + off + 16 * j), o[j]);
      continue;
    }
    for (int j = 0; j < 4 && off + 16 * j < span; j++) {
      _mm512_storeu_si512((void *)(dst + phase * phase_stride + column * channels + c0), o[j]);
      c0 += 16;
      if (c0 == channels) {
        c0 = 0;
        if (++phase == stride_w) {
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
    for (ptrdiff_t e = 16 * (ptrdiff_t)((p - phase0 + period) % period); e < elements;
         e += 16 * (ptrdiff_t)period) {
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
// 3x3 (one group, 3 columns), 5x5 (two groups, 5 columns), and any other.
OQ_DW_MULTIPLY(3)
OQ_DW_MULTIPLY(6)
OQ_DW_MULTIPLY(10)
OQ_DW_MULTIPLY(0)

static OQ_DW void row_vnni(const oq_dw_nhwc_shape *s, const uint8_t *const *rows, const int8_t *w,
                           int flip, int32_t *acc, int32_t *interleaved) {
  const int c = s->channels, kh = s->kernel_h, kw = s->kernel_w, sw = s->stride_w;
  const int groups = groups_of(s), taps = groups * kw, period = period_of(s);
  const int q = chunk_pixels(s);
  const ptrdiff_t ps = phase_stride(s, q), gs = (ptrdiff_t)sw * ps;
  // Tap (group g, column col) reads phase (col * dilation) % stride at column shift (col * dilation) /
  // stride from the output pixel.
  ptrdiff_t offsets[OQ_DW_MAX_TAPS];
  for (int g = 0; g < groups; g++)
    for (int col = 0; col < kw; col++) {
      const int reach = col * s->dilation_w;
      offsets[g * kw + col] = g * gs + (reach % sw) * ps + (ptrdiff_t)(reach / sw) * c;
    }
  const oq_dw_multiply_fn fn = taps == 3    ? multiply_3
                               : taps == 6  ? multiply_6
                               : taps == 10 ? multiply_10
                                            : multiply_0;
  const __m512i f = _mm512_set1_epi8(flip ? (char)0x80 : 0);
  for (int g0 = 0; g0 < s->grid_w; g0 += q) {
    const int n = s->grid_w - g0 < q ? s->grid_w - g0 : q;
    const ptrdiff_t in_px = (ptrdiff_t)(n - 1) * sw + halo_of(s) + 1;
    for (int g = 0; g < groups; g++) {
      const int count = kh - 4 * g < 4 ? kh - 4 * g : 4;
      interleave(rows + 4 * g, count, (size_t)g0 * sw * c, in_px * c, c, sw, interleaved + g * gs, ps, f);
    }
    const int phase0 = (int)(((ptrdiff_t)g0 * c / 16) % period);
    fn(interleaved, offsets, w, period, phase0, (ptrdiff_t)n * c, acc + (ptrdiff_t)g0 * c, taps);
  }
}
#endif

void oq_dw_nhwc_row(const oq_dw_nhwc_shape *shape, const uint8_t *const *rows, const int8_t *w, int flip,
                    int32_t *acc, void *scratch) {
#ifdef OQ_X86_DW
  row_vnni(shape, rows, w, flip, acc, (int32_t *)scratch);
#else
  (void)shape;
  (void)rows;
  (void)w;
  (void)flip;
  (void)acc;
  (void)scratch;
#endif
}
