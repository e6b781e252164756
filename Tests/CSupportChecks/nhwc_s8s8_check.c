// oq_nhwc_s8s8_conv (csupport_int8_nhwc_arm.c) against a scalar reference of its contract on random
// shapes: rows not a multiple of the tile, 1 to 11 quads a tap (the 1-3 quad tails), 1 to 9 vectors
// (partial blocks), strides below 16 (M < 16: rows overlap), both flips, extreme codes. Built for
// aarch64 and run under qemu by `make board-kernel-check`.
//
// usage: nhwc_s8s8_check EXPECTED_KIND   (2: the CPU has SDOT and the kernel is checked; 0: it has not,
//                                         and the check only confirms oq_nhwc_dot_kind() says so)
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csupport_int8_nhwc.h"
#include "csupport_int8_nhwc_arm.h"

static uint64_t state = 88172645463325252ull;
static uint32_t next(void) {
  state ^= state << 13;
  state ^= state >> 7;
  state ^= state << 17;
  return (uint32_t)state;
}

static void reference(const uint8_t *const *a, int rows, int taps, int tap_quads, const int8_t *w,
                      int vectors, int32_t *out, ptrdiff_t out_stride, int flip) {
  const size_t block_bytes = (size_t)taps * tap_quads * 4 * OQ_NHWC_BLOCK_CHANNELS;
  for (int r = 0; r < rows; r++) {
    for (int j = 0; j < 16 * vectors; j++) {
      const int block = j / 64, in_block = vectors - 4 * block < 4 ? vectors - 4 * block : 4;
      int64_t sum = 0;
      for (int tap = 0; tap < taps; tap++) {
        for (int i = 0; i < 4 * tap_quads; i++) {
          const int x = (int8_t)(a[tap * rows + r][i] ^ (flip ? 0x80 : 0));
          sum += x * w[block * block_bytes + ((size_t)tap * tap_quads + i / 4) * 64 * in_block +
                       (j % 64) * 4 + i % 4];
        }
      }
      out[r * out_stride + j] = (int32_t)sum;  // exact: |sum| < 2^31 for these sizes
    }
  }
}

int main(int argc, char **argv) {
  const int expected = argc > 1 ? atoi(argv[1]) : OQ_NHWC_DOT_S8S8;
  const int kind = oq_nhwc_dot_kind();
  if (kind != expected) {
    printf("nhwc_s8s8_check: oq_nhwc_dot_kind() is %d, expected %d\n", kind, expected);
    return 1;
  }
  if (kind != OQ_NHWC_DOT_S8S8) {
    printf("nhwc_s8s8_check: no dot product on this CPU (kind %d), as expected\n", kind);
    return 0;
  }
  const int cases = 3000;
  int failures = 0;
  for (int t = 0; t < cases; t++) {
    const int rows = 1 + next() % 13, taps = 1 + next() % 4, tap_quads = 1 + next() % 11;
    const int vectors = 1 + next() % 9, flip = next() & 1;
    const int extreme = t % 7 == 0;  // only -128 / 127 weights and 0 / 255 codes
    const ptrdiff_t stride = vectors == 1 && t % 3 == 0 ? 1 + next() % 15 : 16 * vectors + next() % 3;
    const size_t weight_bytes = (size_t)taps * tap_quads * 64 * vectors;
    int8_t *w = malloc(weight_bytes);
    for (size_t i = 0; i < weight_bytes; i++) {
      w[i] = extreme ? (int8_t)((next() & 1) ? -128 : 127) : (int8_t)next();
    }
    // Each source is its own allocation of exactly 4 * tap_quads bytes.
    const uint8_t **a = malloc(sizeof(*a) * taps * rows);
    for (int i = 0; i < taps * rows; i++) {
      uint8_t *p = malloc(4 * tap_quads);
      for (int k = 0; k < 4 * tap_quads; k++) p[k] = (uint8_t)(extreme ? ((next() & 1) ? 0 : 255) : next());
      a[i] = p;
    }
    const size_t count = (size_t)(rows - 1) * stride + 16 * vectors;
    int32_t *actual = calloc(count, 4), *expected_out = calloc(count, 4);
    oq_nhwc_s8s8_conv(a, rows, taps, tap_quads, w, vectors, actual, stride, flip);
    reference(a, rows, taps, tap_quads, w, vectors, expected_out, stride, flip);
    if (memcmp(actual, expected_out, count * 4) != 0 && failures++ < 5) {
      printf("FAIL rows %d taps %d tap_quads %d vectors %d flip %d stride %td\n", rows, taps, tap_quads,
             vectors, flip, stride);
    }
    for (int i = 0; i < taps * rows; i++) free((void *)a[i]);
    free(a);
    free(w);
    free(actual);
    free(expected_out);
  }
  printf("nhwc_s8s8_check: %d random shapes, %d differ from the reference\n", cases, failures);
  return failures != 0;
}
