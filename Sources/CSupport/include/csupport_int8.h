// The int8 dot-product tile for CPUs with dot-product instructions, chosen at run time: the runtime's
// portable Swift kernels are the fallback and the reference (the int32 sums are exact either way).
#ifndef ONNX_QUANT_CSUPPORT_INT8_H
#define ONNX_QUANT_CSUPPORT_INT8_H

#include <stddef.h>
#include <stdint.h>

// 1 when this CPU runs oq_u8s8_tile_8x32 (x86-64 with AVX-512 VNNI, BW, VL), else 0. Cached after the
// first call.
int oq_has_u8s8_dot(void);

// Interleaves `k` rows of 32 uint8 activations (row r at `a + r * stride`) into `panel`, as
// [ceil(k / 4)][32 positions][4 consecutive rows] (rows past k read 0): 128 bytes per group of 4 rows.
// `flip` is XORed into every byte (0x80 turns int8 codes into uint8 ones). Portable C.
void oq_pack_u8_panel(const uint8_t *a, ptrdiff_t stride, int k, uint8_t flip, uint8_t *panel);

// out[c * 32 + p] = sum over k of panel[k][p] * w[k][c] for 8 channels c and 32 positions p, with
// `groups` groups of 4 rows: `panel` from oq_pack_u8_panel, `w` as [groups][8 channels][4 rows] int8
// (32 bytes per group). uint8 x int8 products summed in int32 (vpdpbusd). Call only when
// oq_has_u8s8_dot() is 1.
void oq_u8s8_tile_8x32(const uint8_t *panel, const int8_t *w, int groups, int32_t *out);

#endif
