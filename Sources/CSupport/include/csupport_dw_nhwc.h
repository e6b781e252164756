// The multiply-adds of the channels-last int8 depthwise convolution, one output row at a time, with
// AVX-512 VNNI (vpdpbusd: four uint8 x int8 products summed into each int32 lane). Chosen at run time:
// call oq_dw_nhwc_row only when oq_dw_nhwc_available() is 1; the runtime's Swift kernel
// (IntegerChannelsLastFlat.swift) is the fallback and the reference (the int32 sums are exact).
//
// Lanes run along the output row ("flat"): element e = gw * C + c is channel c of output pixel gw. Four
// kernel rows share one int32 lane: each chunk of the padded input rows is interleaved once into
// scratch as int32 [(x_kh0, x_kh1, x_kh2, x_kh3)] per element (0 for kernel rows past kernel_h), so that
// tap column kw of every kernel row group is one unaligned load at the column's offset and one
// vpdpbusd. A horizontal stride above 1 splits each interleaved row into its `stride_w` phases (the
// columns p with p % stride_w = s, in order), which makes every tap column a contiguous run again.
#ifndef ONNX_QUANT_CSUPPORT_DW_NHWC_H
#define ONNX_QUANT_CSUPPORT_DW_NHWC_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
  int channels;      // C = M
  int kernel_h;      // kH
  int kernel_w;      // kW
  int stride_w;      // horizontal stride (the vertical one only picks the rows)
  int dilation_w;    // horizontal dilation (the vertical one only picks the rows)
  int grid_w;        // output pixels per row
} oq_dw_nhwc_shape;

// 1 when this CPU runs the kernel (x86-64 with AVX-512 VNNI) and it takes the shape: a horizontal
// stride of 1, or C a multiple of 16.
int oq_dw_nhwc_available(const oq_dw_nhwc_shape *shape);

// Bytes of the packed weights: [period][groups][kW][16 lanes][4] int8, period = C / gcd(C, 16) vectors
// of 16 flat lanes (lane l of vector p is channel (16p + l) % C), groups = ceil(kH / 4), the 4 bytes of
// a lane being kernel rows 4g..4g+3 of that tap column (0 past kH).
size_t oq_dw_nhwc_weight_bytes(const oq_dw_nhwc_shape *shape);

// Packs w' (`[C][kH][kW]`, each within int8) into `out` (oq_dw_nhwc_weight_bytes). Portable.
void oq_dw_nhwc_pack(const oq_dw_nhwc_shape *shape, const int32_t *w, int8_t *out);

// Bytes of the scratch oq_dw_nhwc_row needs (64-byte aligned): the interleaved rows of a chunk of
// output pixels (sized to stay near L1).
size_t oq_dw_nhwc_scratch_bytes(const oq_dw_nhwc_shape *shape);

// acc[e] = sum over taps (kh, kw) of x_kh[(gw * stride_w + kw * dilation_w) * C + c] * w'[c][kh][kw]
// for the grid_w * C elements e = gw * C + c of one output row, in int32, x being uint8 (int8 codes are
// XORed with 0x80 first when `flip` is 1: the caller's constant removes 128 * sum w'). rows[kh] points
// at x_kh, padded input row kh: (grid_w - 1) * stride_w + (kW - 1) * dilation_w + 1 pixels of C bytes
// (nothing past them is read). acc is written up to the next multiple of 16 elements (the lanes past
// grid_w * C hold garbage). `scratch`: oq_dw_nhwc_scratch_bytes, 64-byte aligned.
void oq_dw_nhwc_row(const oq_dw_nhwc_shape *shape, const uint8_t *const *rows, const int8_t *w, int flip,
                    int32_t *acc, void *scratch);

#endif
