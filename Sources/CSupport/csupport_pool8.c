// 8-bit max pooling (see csupport_bytes.h): planar rows and columns in byte vectors, planes of at most
// 64 bytes by byte permutes, channels-last pixels with the channels in lanes. AVX-512 paths run after a
// run-time CPU check; the portable loops (other CPUs and architectures) give the same bytes.
#include "csupport_bytes.h"
#include "csupport_bytes_common.h"

#include <string.h>

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
  if (oq_bytes_has_avx512bw()) {
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
  return oq_bytes_has_avx512vbmi();
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
  if (oq_bytes_has_avx512vbmi()) {
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
  if (oq_bytes_has_avx512bw()) {
    max_pool_nhwc_avx512(x, in_w, channels, dil_h, first_h, taps_h, out_h, dil_w, first_w, taps_w, out_w, is_signed, y);
    return;
  }
#endif
  max_pool_nhwc_portable(x, in_w, channels, dil_h, first_h, taps_h, out_h, dil_w, first_w, taps_w, out_w, is_signed, y);
}
