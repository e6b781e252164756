// The int8 GEMM micro-kernel of the channels-last (NHWC) QLinearConv: output channels in the lanes of a
// vector (16 per zmm), a few output positions per tile, activations broadcast 4 bytes at a time
// (vpdpbusd). Chosen at run time like csupport_int8.h's tile: call only when oq_has_u8s8_dot() is 1;
// the runtime's portable Swift kernel is the fallback and the reference (the int32 sums are exact).
#ifndef ONNX_QUANT_CSUPPORT_INT8_NHWC_H
#define ONNX_QUANT_CSUPPORT_INT8_NHWC_H

#include <stddef.h>
#include <stdint.h>

// Channels per block of packed weights: 4 vectors of 16 lanes.
#define OQ_NHWC_BLOCK_CHANNELS 64
// Positions per register tile.
#define OQ_NHWC_TILE_ROWS 6

// out[r * out_stride + j] = sum over (tap, k) of a(tap, r)[k] * w(tap, k, j) for `rows` positions r and
// `vectors * 16` output channels j, in int32 (uint8 x int8 products, no saturation).
//
// `a` holds `taps * rows` pointers, a[tap * rows + r] pointing at the `4 * tap_quads` bytes position r
// reads for that tap (C-contiguous in NHWC; the zero point's row for a padded tap). Every byte is XORed
// with 0x80 first when `flip` is 1 (int8 codes to uint8 ones).
//
// `w` is packed in blocks of up to 4 vectors (64 channels): block b (`min(4, vectors - 4b)` vectors,
// `v` below) starts at `w + b * taps * tap_quads * 256` and holds [taps * tap_quads][v * 16][4] int8:
// the 4 consecutive k of one channel in one 32-bit lane.
void oq_nhwc_u8s8_conv(const uint8_t *const *a, int rows, int taps, int tap_quads, const int8_t *w,
                       int vectors, int32_t *out, ptrdiff_t out_stride, int flip);

#endif
