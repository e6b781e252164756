// The int8 dot-product tile (see csupport_int8.h). The AVX-512 VNNI code is compiled for that ISA by a
// function attribute and only called after a run-time CPU check, so the binary runs on any x86-64;
// other architectures get the portable packing and no tile (the Swift kernel runs instead).
#include "csupport_int8.h"

#include "csupport_cpu.h"

#include <string.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>
#define OQ_X86_DOT 1
#endif

int oq_has_u8s8_dot(void) {
#ifdef OQ_X86_DOT
  static int cached = -1;
  if (cached < 0) {
    __builtin_cpu_init();
    cached = oq_cpu_has_avx512bw() && __builtin_cpu_supports("avx512vnni") ? 1 : 0;
  }
  return cached;
#else
  return 0;
#endif
}

void oq_pack_u8_panel(const uint8_t *a, ptrdiff_t stride, int k, uint8_t flip, uint8_t *panel) {
  int groups = (k + 3) / 4;
  for (int g = 0; g < groups; g++) {
    const uint8_t *rows[4];
    uint8_t zeros[32];
    memset(zeros, flip, sizeof zeros);  // a missing row reads 0 after the flip
    for (int j = 0; j < 4; j++) rows[j] = 4 * g + j < k ? a + (ptrdiff_t)(4 * g + j) * stride : zeros;
    uint8_t *out = panel + (size_t)g * 128;
#ifdef OQ_X86_DOT
    const __m128i f = _mm_set1_epi8((char)flip);
    for (int half = 0; half < 2; half++) {
      __m128i r0 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(rows[0] + 16 * half)), f);
      __m128i r1 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(rows[1] + 16 * half)), f);
      __m128i r2 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(rows[2] + 16 * half)), f);
      __m128i r3 = _mm_xor_si128(_mm_loadu_si128((const __m128i *)(rows[3] + 16 * half)), f);
      __m128i t0 = _mm_unpacklo_epi8(r0, r1);
      __m128i t1 = _mm_unpackhi_epi8(r0, r1);
      __m128i t2 = _mm_unpacklo_epi8(r2, r3);
      __m128i t3 = _mm_unpackhi_epi8(r2, r3);
      __m128i *o = (__m128i *)(out + 64 * half);
      _mm_storeu_si128(o + 0, _mm_unpacklo_epi16(t0, t2));
      _mm_storeu_si128(o + 1, _mm_unpackhi_epi16(t0, t2));
      _mm_storeu_si128(o + 2, _mm_unpacklo_epi16(t1, t3));
      _mm_storeu_si128(o + 3, _mm_unpackhi_epi16(t1, t3));
    }
#else
    for (int p = 0; p < 32; p++)
      for (int j = 0; j < 4; j++) out[4 * p + j] = rows[j][p] ^ flip;
#endif
  }
}

#ifdef OQ_X86_DOT
__attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni"))) static void tile_vnni(
    const uint8_t *panel, const int8_t *w, int groups, int32_t *out) {
  __m512i c00 = _mm512_setzero_si512(), c01 = _mm512_setzero_si512();
  __m512i c10 = _mm512_setzero_si512(), c11 = _mm512_setzero_si512();
  __m512i c20 = _mm512_setzero_si512(), c21 = _mm512_setzero_si512();
  __m512i c30 = _mm512_setzero_si512(), c31 = _mm512_setzero_si512();
  __m512i c40 = _mm512_setzero_si512(), c41 = _mm512_setzero_si512();
  __m512i c50 = _mm512_setzero_si512(), c51 = _mm512_setzero_si512();
  __m512i c60 = _mm512_setzero_si512(), c61 = _mm512_setzero_si512();
  __m512i c70 = _mm512_setzero_si512(), c71 = _mm512_setzero_si512();
  for (int g = 0; g < groups; g++) {
    const __m512i a0 = _mm512_loadu_si512((const void *)(panel + (size_t)g * 128));
    const __m512i a1 = _mm512_loadu_si512((const void *)(panel + (size_t)g * 128 + 64));
    const int32_t *wg = (const int32_t *)(const void *)(w + (size_t)g * 32);
    __m512i b;
    b = _mm512_set1_epi32(wg[0]);
    c00 = _mm512_dpbusd_epi32(c00, a0, b);
    c01 = _mm512_dpbusd_epi32(c01, a1, b);
    b = _mm512_set1_epi32(wg[1]);
    c10 = _mm512_dpbusd_epi32(c10, a0, b);
    c11 = _mm512_dpbusd_epi32(c11, a1, b);
    b = _mm512_set1_epi32(wg[2]);
    c20 = _mm512_dpbusd_epi32(c20, a0, b);
    c21 = _mm512_dpbusd_epi32(c21, a1, b);
    b = _mm512_set1_epi32(wg[3]);
    c30 = _mm512_dpbusd_epi32(c30, a0, b);
    c31 = _mm512_dpbusd_epi32(c31, a1, b);
    b = _mm512_set1_epi32(wg[4]);
    c40 = _mm512_dpbusd_epi32(c40, a0, b);
    c41 = _mm512_dpbusd_epi32(c41, a1, b);
    b = _mm512_set1_epi32(wg[5]);
    c50 = _mm512_dpbusd_epi32(c50, a0, b);
    c51 = _mm512_dpbusd_epi32(c51, a1, b);
    b = _mm512_set1_epi32(wg[6]);
    c60 = _mm512_dpbusd_epi32(c60, a0, b);
    c61 = _mm512_dpbusd_epi32(c61, a1, b);
    b = _mm512_set1_epi32(wg[7]);
    c70 = _mm512_dpbusd_epi32(c70, a0, b);
    c71 = _mm512_dpbusd_epi32(c71, a1, b);
  }
  _mm512_storeu_si512((void *)(out + 0), c00);
  _mm512_storeu_si512((void *)(out + 16), c01);
  _mm512_storeu_si512((void *)(out + 32), c10);
  _mm512_storeu_si512((void *)(out + 48), c11);
  _mm512_storeu_si512((void *)(out + 64), c20);
  _mm512_storeu_si512((void *)(out + 80), c21);
  _mm512_storeu_si512((void *)(out + 96), c30);
  _mm512_storeu_si512((void *)(out + 112), c31);
  _mm512_storeu_si512((void *)(out + 128), c40);
  _mm512_storeu_si512((void *)(out + 144), c41);
  _mm512_storeu_si512((void *)(out + 160), c50);
  _mm512_storeu_si512((void *)(out + 176), c51);
  _mm512_storeu_si512((void *)(out + 192), c60);
  _mm512_storeu_si512((void *)(out + 208), c61);
  _mm512_storeu_si512((void *)(out + 224), c70);
  _mm512_storeu_si512((void *)(out + 240), c71);
}
#endif

void oq_u8s8_tile_8x32(const uint8_t *panel, const int8_t *w, int groups, int32_t *out) {
#ifdef OQ_X86_DOT
  tile_vnni(panel, w, groups, out);
#else
  (void)panel;
  (void)w;
  (void)groups;
  (void)out;
#endif
}
