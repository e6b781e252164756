// Byte-lane kernels (see csupport_bytes.h). The AVX-512 code is compiled for that ISA by function
// attributes and only called after a run-time CPU check; SSE2 (the x86-64 baseline) needs no check;
// other architectures get the portable loops, which compute the same bytes.
#include "csupport_bytes.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define OQ_X86_BYTES 1
#define OQ_AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))
#define OQ_AVX512_VBMI __attribute__((target("avx512f,avx512bw,avx512vl,avx512vbmi")))
#endif

// MARK: - CPU checks

// Set by oq_bytes_force_portable (tests only): every entry point takes its portable path.
static int force_portable = 0;

void oq_bytes_force_portable(int on) { force_portable = on; }

#ifdef OQ_X86_BYTES
static int has_avx512bw(void) {
  if (force_portable) return 0;
  static int cached = -1;
  if (cached < 0) {
    __builtin_cpu_init();
    cached = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                     __builtin_cpu_supports("avx512vl")
                 ? 1
                 : 0;
  }
  return cached;
}

static int has_avx512vbmi(void) {
  if (force_portable) return 0;
  static int cached = -1;
  if (cached < 0) cached = has_avx512bw() && __builtin_cpu_supports("avx512vbmi") ? 1 : 0;
  return cached;
}
#endif

// MARK: - Portable max pooling

// The max of two codes compared as int8 (is_signed) or uint8.
static inline uint8_t max8(uint8_t a, uint8_t b, int is_signed) {
  if (is_signed) return (int8_t)a > (int8_t)b ? a : b;
  return a > b ? a : b;
}

static inline uint8_t lowest8(int is_signed) { return is_signed ? 0x80 : 0x00; }

// columns[i] = max over nd slices x nh rows of the rows' byte i (nd * nh >= 1).
static void rows_max_portable(
    uint8_t *columns, const uint8_t *x, ptrdiff_t nd, ptrdiff_t slice_step, ptrdiff_t nh, ptrdiff_t row_step,
    ptrdiff_t width, int is_signed) {
  memcpy(columns, x, (size_t)width);
  for (ptrdiff_t d = 0; d < nd; d++) {
    for (ptrdiff_t h = d == 0 ? 1 : 0; h < nh; h++) {
      const uint8_t *row = x + d * slice_step + h * row_step;
      if (is_signed) {
        for (ptrdiff_t i = 0; i < width; i++) columns[i] = (int8_t)row[i] > (int8_t)columns[i] ? row[i] : columns[i];
      } else {
        for (ptrdiff_t i = 0; i < width; i++) columns[i] = row[i] > columns[i] ? row[i] : columns[i];
      }
    }
  }
}

// y[o] = max over k taps of src[o * stride + j * dil], o < count.
static void cols_max_portable(
    uint8_t *y, const uint8_t *src, ptrdiff_t count, ptrdiff_t stride, ptrdiff_t k, ptrdiff_t dil, int is_signed) {
  for (ptrdiff_t o = 0; o < count; o++) {
    const uint8_t *s = src + o * stride;
    uint8_t m = s[0];
    for (ptrdiff_t j = 1; j < k; j++) m = max8(m, s[j * dil], is_signed);
    y[o] = m;
  }
}

// MARK: - AVX-512 max pooling

#ifdef OQ_X86_BYTES
static inline OQ_AVX512 __mmask64 mask64(ptrdiff_t n) {
  return n >= 64 ? ~(__mmask64)0 : n <= 0 ? 0 : (((__mmask64)1 << n) - 1);
}

static inline OQ_AVX512 __m512i vmax64(__m512i a, __m512i b, int is_signed) {
  return is_signed ? _mm512_max_epi8(a, b) : _mm512_max_epu8(a, b);
}

static inline OQ_AVX512 void rows_max_avx512(
    uint8_t *columns, const uint8_t *x, ptrdiff_t nd, ptrdiff_t slice_step, ptrdiff_t nh, ptrdiff_t row_step,
    ptrdiff_t width, int is_signed) {
  for (ptrdiff_t i = 0; i < width; i += 64) {
    const __mmask64 m = mask64(width - i);
    __m512i acc = _mm512_maskz_loadu_epi8(m, x + i);
    for (ptrdiff_t d = 0; d < nd; d++) {
      for (ptrdiff_t h = d == 0 ? 1 : 0; h < nh; h++) {
        acc = vmax64(acc, _mm512_maskz_loadu_epi8(m, x + d * slice_step + h * row_step + i), is_signed);
      }
    }
    _mm512_mask_storeu_epi8(columns + i, m, acc);
  }
}

// The even bytes of the 128 at p (only the first `bytes` read): vpmovwb keeps each 16-bit lane's low
// byte. No load is issued past `bytes`: a masked load whose masked-off bytes reach an unmapped page
// still works but takes a microcode assist of hundreds of cycles.
static inline OQ_AVX512 __m512i even_bytes(const uint8_t *p, ptrdiff_t bytes) {
  const __m256i low = _mm512_cvtepi16_epi8(_mm512_maskz_loadu_epi8(mask64(bytes), p));
  if (bytes <= 64) return _mm512_castsi256_si512(low);
  const __m256i high = _mm512_cvtepi16_epi8(_mm512_maskz_loadu_epi8(mask64(bytes - 64), p + 64));
  return _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1);
}

// cols_max_portable for strides 1 and 2 (others run the portable loop), 64 outputs a vector; loads
// are masked to the bytes the taps read.
static inline OQ_AVX512 void cols_max_avx512(
    uint8_t *y, const uint8_t *src, ptrdiff_t count, ptrdiff_t stride, ptrdiff_t k, ptrdiff_t dil, int is_signed) {
  if (stride == 1) {
    for (ptrdiff_t o = 0; o < count; o += 64) {
      const __mmask64 m = mask64(count - o);
      __m512i acc = _mm512_maskz_loadu_epi8(m, src + o);
      for (ptrdiff_t j = 1; j < k; j++) acc = vmax64(acc, _mm512_maskz_loadu_epi8(m, src + o + j * dil), is_signed);
      _mm512_mask_storeu_epi8(y + o, m, acc);
    }
  } else if (stride == 2) {
    for (ptrdiff_t o = 0; o < count; o += 64) {
      const ptrdiff_t n = count - o < 64 ? count - o : 64;
      __m512i acc = even_bytes(src + 2 * o, 2 * n - 1);
      for (ptrdiff_t j = 1; j < k; j++) acc = vmax64(acc, even_bytes(src + 2 * o + j * dil, 2 * n - 1), is_signed);
      _mm512_mask_storeu_epi8(y + o, mask64(n), acc);
    }
  } else {
    cols_max_portable(y, src, count, stride, k, dil, is_signed);
  }
}
#endif

// One plane, with the row and column passes as given (`fast`: AVX-512). Always inlined into the two
// callers below so each compiles for its own ISA with `is_signed` and `fast` constant. Each output
// row's vertical maxima go to `columns` after `pad_w` bytes of the lowest code (and before more up
// to `padded_w`), so every window of the row reads `kernel_w` bytes of it: padding never wins a max,
// and a window with no input under it gets the lowest code, as the tap-by-tap kernel gives.
static inline __attribute__((always_inline)) void max_pool_plane(
    const uint8_t *x, ptrdiff_t planes, ptrdiff_t x_step, ptrdiff_t y_step, ptrdiff_t nd, ptrdiff_t slice_step,
    ptrdiff_t in_w, ptrdiff_t dil_h, const ptrdiff_t *first_h, const ptrdiff_t *taps_h, ptrdiff_t out_h,
    ptrdiff_t out_w, ptrdiff_t stride_w, ptrdiff_t kernel_w, ptrdiff_t dil_w, ptrdiff_t pad_w, ptrdiff_t padded_w,
    int is_signed, uint8_t *columns, uint8_t *y, int fast) {
  (void)fast;  // only read by the x86-64 build
  memset(columns, lowest8(is_signed), (size_t)pad_w);
  memset(columns + pad_w + in_w, lowest8(is_signed), (size_t)(padded_w - pad_w - in_w));
  uint8_t *middle = columns + pad_w;
  for (ptrdiff_t p = 0; p < planes; p++, x += x_step) {
    uint8_t *row_out = y + p * y_step;
    for (ptrdiff_t oh = 0; oh < out_h; oh++, row_out += out_w) {
      const ptrdiff_t nh = taps_h[oh];
      if (nd * nh == 0) {
        memset(middle, lowest8(is_signed), (size_t)in_w);
      } else {
#ifdef OQ_X86_BYTES
        if (fast)
          rows_max_avx512(middle, x + first_h[oh] * in_w, nd, slice_step, nh, dil_h * in_w, in_w, is_signed);
        else
#endif
          rows_max_portable(middle, x + first_h[oh] * in_w, nd, slice_step, nh, dil_h * in_w, in_w, is_signed);
      }
#ifdef OQ_X86_BYTES
      if (fast)
        cols_max_avx512(row_out, columns, out_w, stride_w, kernel_w, dil_w, is_signed);
      else
#endif
        cols_max_portable(row_out, columns, out_w, stride_w, kernel_w, dil_w, is_signed);
    }
  }
}

#ifdef OQ_X86_BYTES
static OQ_AVX512 void max_pool_plane_avx512(
    const uint8_t *x, ptrdiff_t planes, ptrdiff_t x_step, ptrdiff_t y_step, ptrdiff_t nd, ptrdiff_t slice_step,
    ptrdiff_t in_w, ptrdiff_t dil_h, const ptrdiff_t *first_h, const ptrdiff_t *taps_h, ptrdiff_t out_h,
    ptrdiff_t out_w, ptrdiff_t stride_w, ptrdiff_t kernel_w, ptrdiff_t dil_w, ptrdiff_t pad_w, ptrdiff_t padded_w,
    int is_signed, uint8_t *columns, uint8_t *y) {
  if (is_signed)
    max_pool_plane(
        x, planes, x_step, y_step, nd, slice_step, in_w, dil_h, first_h, taps_h, out_h, out_w, stride_w, kernel_w,
        dil_w, pad_w, padded_w, 1, columns, y, 1);
  else
    max_pool_plane(
        x, planes, x_step, y_step, nd, slice_step, in_w, dil_h, first_h, taps_h, out_h, out_w, stride_w, kernel_w,
        dil_w, pad_w, padded_w, 0, columns, y, 1);
}
#endif

void oq_max_pool_planes_8(
    const uint8_t *x, ptrdiff_t planes, ptrdiff_t x_step, ptrdiff_t y_step, ptrdiff_t nd, ptrdiff_t slice_step,
    ptrdiff_t in_w, ptrdiff_t dil_h, const ptrdiff_t *first_h, const ptrdiff_t *taps_h, ptrdiff_t out_h,
    ptrdiff_t out_w, ptrdiff_t stride_w, ptrdiff_t kernel_w, ptrdiff_t dil_w, ptrdiff_t pad_w, ptrdiff_t padded_w,
    int is_signed, uint8_t *columns, uint8_t *y) {
#ifdef OQ_X86_BYTES
  if (has_avx512bw()) {
    max_pool_plane_avx512(
        x, planes, x_step, y_step, nd, slice_step, in_w, dil_h, first_h, taps_h, out_h, out_w, stride_w, kernel_w,
        dil_w, pad_w, padded_w, is_signed, columns, y);
    return;
  }
#endif
  max_pool_plane(
      x, planes, x_step, y_step, nd, slice_step, in_w, dil_h, first_h, taps_h, out_h, out_w, stride_w, kernel_w, dil_w,
      pad_w, padded_w, is_signed, columns, y, 0);
}

// MARK: - Planes of at most 64 bytes

int oq_has_byte_permute(void) {
#ifdef OQ_X86_BYTES
  return has_avx512vbmi();
#else
  return 0;
#endif
}

#ifdef OQ_X86_BYTES
// Each plane is one vector; each tap is a vpermb of it (masked: lanes whose tap is outside the input
// keep the lowest code), and the output the max over the taps.
static inline OQ_AVX512_VBMI __attribute__((always_inline)) void max_pool_tiny_lanes(
    const uint8_t *x, ptrdiff_t planes, ptrdiff_t in_plane, ptrdiff_t out_plane, const uint8_t *taps,
    ptrdiff_t tap_count, int is_signed, uint8_t *y) {
  const __m512i low = _mm512_set1_epi8((char)lowest8(is_signed));
  const __mmask64 load = mask64(in_plane);
  const __mmask64 store = mask64(out_plane);
  for (ptrdiff_t p = 0; p < planes; p++) {
    const __m512i plane = _mm512_maskz_loadu_epi8(load, x + p * in_plane);
    __m512i acc = low;
    for (ptrdiff_t t = 0; t < tap_count; t++) {
      const uint8_t *tap = taps + t * 72;
      __mmask64 valid;
      memcpy(&valid, tap + 64, sizeof valid);
      const __m512i index = _mm512_loadu_si512((const void *)tap);
      acc = vmax64(acc, _mm512_mask_permutexvar_epi8(low, valid, index, plane), is_signed);
    }
    _mm512_mask_storeu_epi8(y + p * out_plane, store, acc);
  }
}

static OQ_AVX512_VBMI void max_pool_tiny_vbmi(
    const uint8_t *x, ptrdiff_t planes, ptrdiff_t in_plane, ptrdiff_t out_plane, const uint8_t *taps,
    ptrdiff_t tap_count, int is_signed, uint8_t *y) {
  if (is_signed)
    max_pool_tiny_lanes(x, planes, in_plane, out_plane, taps, tap_count, 1, y);
  else
    max_pool_tiny_lanes(x, planes, in_plane, out_plane, taps, tap_count, 0, y);
}
#endif

void oq_max_pool_tiny_8(
    const uint8_t *x, ptrdiff_t planes, ptrdiff_t in_plane, ptrdiff_t out_plane, const uint8_t *taps,
    ptrdiff_t tap_count, int is_signed, uint8_t *y) {
#ifdef OQ_X86_BYTES
  if (has_avx512vbmi()) {
    max_pool_tiny_vbmi(x, planes, in_plane, out_plane, taps, tap_count, is_signed, y);
    return;
  }
#endif
  // Lane by lane, the same selection and max.
  for (ptrdiff_t p = 0; p < planes; p++) {
    const uint8_t *plane = x + p * in_plane;
    for (ptrdiff_t q = 0; q < out_plane; q++) {
      uint8_t m = lowest8(is_signed);
      for (ptrdiff_t t = 0; t < tap_count; t++) {
        const uint8_t *tap = taps + t * 72;
        if ((tap[64 + q / 8] >> (q % 8)) & 1) m = max8(m, plane[tap[q]], is_signed);
      }
      y[p * out_plane + q] = m;
    }
  }
}

// MARK: - Channels-last max pooling

static void max_pool_nhwc_portable(
    const uint8_t *x, ptrdiff_t in_w, ptrdiff_t channels, ptrdiff_t dil_h, const ptrdiff_t *first_h,
    const ptrdiff_t *taps_h, ptrdiff_t out_h, ptrdiff_t dil_w, const ptrdiff_t *first_w, const ptrdiff_t *taps_w,
    ptrdiff_t out_w, int is_signed, uint8_t *y) {
  for (ptrdiff_t oh = 0; oh < out_h; oh++) {
    for (ptrdiff_t ow = 0; ow < out_w; ow++, y += channels) {
      memset(y, lowest8(is_signed), (size_t)channels);
      for (ptrdiff_t i = 0; i < taps_h[oh]; i++) {
        const uint8_t *row = x + ((first_h[oh] + i * dil_h) * in_w + first_w[ow]) * channels;
        for (ptrdiff_t j = 0; j < taps_w[ow]; j++) {
          const uint8_t *pixel = row + j * dil_w * channels;
          for (ptrdiff_t c = 0; c < channels; c++) y[c] = max8(y[c], pixel[c], is_signed);
        }
      }
    }
  }
}

#ifdef OQ_X86_BYTES
static inline OQ_AVX512 __attribute__((always_inline)) void max_pool_nhwc_lanes(
    const uint8_t *x, ptrdiff_t in_w, ptrdiff_t channels, ptrdiff_t dil_h, const ptrdiff_t *first_h,
    const ptrdiff_t *taps_h, ptrdiff_t out_h, ptrdiff_t dil_w, const ptrdiff_t *first_w, const ptrdiff_t *taps_w,
    ptrdiff_t out_w, int is_signed, uint8_t *y) {
  const __m512i low = _mm512_set1_epi8((char)lowest8(is_signed));
  for (ptrdiff_t oh = 0; oh < out_h; oh++) {
    const ptrdiff_t nh = taps_h[oh];
    for (ptrdiff_t ow = 0; ow < out_w; ow++, y += channels) {
      const ptrdiff_t nw = taps_w[ow];
      const uint8_t *corner = x + (first_h[oh] * in_w + first_w[ow]) * channels;
      for (ptrdiff_t c = 0; c < channels; c += 64) {
        const __mmask64 m = mask64(channels - c);
        __m512i acc = low;
        for (ptrdiff_t i = 0; i < nh; i++) {
          const uint8_t *row = corner + i * dil_h * in_w * channels + c;
          for (ptrdiff_t j = 0; j < nw; j++) {
            acc = vmax64(acc, _mm512_maskz_loadu_epi8(m, row + j * dil_w * channels), is_signed);
          }
        }
        _mm512_mask_storeu_epi8(y + c, m, acc);
      }
    }
  }
}

static OQ_AVX512 void max_pool_nhwc_avx512(
    const uint8_t *x, ptrdiff_t in_w, ptrdiff_t channels, ptrdiff_t dil_h, const ptrdiff_t *first_h,
    const ptrdiff_t *taps_h, ptrdiff_t out_h, ptrdiff_t dil_w, const ptrdiff_t *first_w, const ptrdiff_t *taps_w,
    ptrdiff_t out_w, int is_signed, uint8_t *y) {
  if (is_signed)
    max_pool_nhwc_lanes(x, in_w, channels, dil_h, first_h, taps_h, out_h, dil_w, first_w, taps_w, out_w, 1, y);
  else
    max_pool_nhwc_lanes(x, in_w, channels, dil_h, first_h, taps_h, out_h, dil_w, first_w, taps_w, out_w, 0, y);
}
#endif

void oq_max_pool_nhwc_8(
    const uint8_t *x, ptrdiff_t in_w, ptrdiff_t channels, ptrdiff_t dil_h, const ptrdiff_t *first_h,
    const ptrdiff_t *taps_h, ptrdiff_t out_h, ptrdiff_t dil_w, const ptrdiff_t *first_w, const ptrdiff_t *taps_w,
    ptrdiff_t out_w, int is_signed, uint8_t *y) {
#ifdef OQ_X86_BYTES
  if (has_avx512bw()) {
    max_pool_nhwc_avx512(x, in_w, channels, dil_h, first_h, taps_h, out_h, dil_w, first_w, taps_w, out_w, is_signed, y);
    return;
  }
#endif
  max_pool_nhwc_portable(x, in_w, channels, dil_h, first_h, taps_h, out_h, dil_w, first_w, taps_w, out_w, is_signed, y);
}

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
  if (has_avx512vbmi()) {
    lookup_vbmi(table, x, y, count);
    return;
  }
#endif
  for (ptrdiff_t i = 0; i < count; i++) y[i] = table[x[i]];
}

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
  if (rows >= 2 && rows <= 4 && dst_stride == rows && has_avx512vbmi()) {
    interleave_rows_8(src, rows, cols, src_stride, dst);
    return;
  }
  if (cols >= 2 && cols <= 4 && src_stride == cols && has_avx512vbmi()) {
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
      for (; !force_portable && i + 16 <= i1; i += 16) {
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
  if (rows >= 2 && rows <= 4 && dst_stride == rows && has_avx512bw()) {
    interleave_rows_32(src, rows, cols, src_stride, dst);
    return;
  }
  if (cols >= 2 && cols <= 4 && src_stride == cols && has_avx512bw()) {
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
      for (; !force_portable && i + 4 <= i1; i += 4) {
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
