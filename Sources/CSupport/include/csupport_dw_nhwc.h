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
  int channels;    // C = M
  int kernel_h;    // kH
  int kernel_w;    // kW
  int stride_w;    // horizontal stride (the vertical one only picks the rows)
  int dilation_w;  // horizontal dilation (the vertical one only picks the rows)
  int grid_w;      // output pixels per row
  int image_w;     // input pixels per row
  int pad_w;       // columns of x_zero_point left of the image (those right of it as the windows need)
} oq_dw_nhwc_shape;

// Most interleaved groups and (group, column) multiply-adds per output vector.
#define OQ_DW_MAX_GROUPS 16
#define OQ_DW_MAX_TAPS 64

// Everything about a shape the row kernel needs, worked out once at load (oq_dw_nhwc_prepare).
//
// The taps are covered by groups of 4 (kernel row, column shift) lanes, each group interleaved once
// per chunk and read at a few column offsets k (one vpdpbusd each, lane i being tap (row_i, shift_i +
// k)): every 4 kernel rows with shift 0 at all kW columns; 3 leftover rows (and a zero lane) the same;
// 2 leftover rows as (row, 0), (row, 1) pairs at every other column; 1 leftover row as shifts 0..3 at
// every fourth column (5x5 is 5 + 2 = 7 multiply-adds, not 10).
typedef struct {
  oq_dw_nhwc_shape shape;
  int groups;
  int taps;               // multiply-adds per output vector
  int period;             // vectors of 16 flat lanes before the channels repeat: C / gcd(C, 16)
  int chunk;              // output pixels per chunk
  ptrdiff_t image_bytes;  // bytes of an input row
  ptrdiff_t phase_stride; // dwords between two phases of an interleaved group
  ptrdiff_t group_stride; // dwords between two interleaved groups
  int lane_row[OQ_DW_MAX_GROUPS][4];    // kernel row of each lane, -1 for none
  int lane_shift[OQ_DW_MAX_GROUPS][4];  // its column shift (in dilations)
  int tap_group[OQ_DW_MAX_TAPS];        // the group of multiply-add t
  int tap_column[OQ_DW_MAX_TAPS];       // its column offset k (in dilations)
  ptrdiff_t tap_offset[OQ_DW_MAX_TAPS]; // where it reads the interleaved rows (dwords)
} oq_dw_nhwc_plan;

// Fills `plan` for `shape`; returns 1 when this CPU runs the kernel (x86-64 with AVX-512 VNNI) and it
// takes the shape (a horizontal stride of 1, or C a multiple of 16), else 0.
int oq_dw_nhwc_prepare(const oq_dw_nhwc_shape *shape, oq_dw_nhwc_plan *plan);

// Bytes of the packed weights: [period][taps][16 lanes][4] int8, lane l of vector p being channel
// (16p + l) % C and its 4 bytes the weights of the tap's group lanes at its column (0 where none).
size_t oq_dw_nhwc_weight_bytes(const oq_dw_nhwc_plan *plan);

// Packs w' (`[C][kH][kW]`, each within int8) into `out` (oq_dw_nhwc_weight_bytes). Portable.
void oq_dw_nhwc_pack(const oq_dw_nhwc_plan *plan, const int32_t *w, int8_t *out);

// Bytes of the scratch oq_dw_nhwc_row needs (a multiple of 64): the interleaved rows of a chunk of
// output pixels (sized to stay near L1).
size_t oq_dw_nhwc_scratch_bytes(const oq_dw_nhwc_plan *plan);

// acc[e] = sum over taps (kh, kw) of x_kh[(gw * stride_w + kw * dilation_w - pad_w) * C + c] *
// w'[c][kh][kw] for the grid_w * C elements e = gw * C + c of one output row, in int32, x being uint8
// (int8 codes are XORed with 0x80 first when `flip` is 1: the caller's constant removes 128 * sum w').
// rows[kh] points at x_kh, the input row kernel row kh reads (image_w pixels of C bytes; nothing
// outside them is read), or is NULL where that row is padding; every byte outside the image is
// `zero` (x_zero_point's code). acc is written up to the next multiple of 16 elements (the lanes past
// grid_w * C hold garbage). `scratch`: oq_dw_nhwc_scratch_bytes, 64-byte aligned.
void oq_dw_nhwc_row(const oq_dw_nhwc_plan *plan, const uint8_t *const *rows, uint8_t zero, const int8_t *w,
                    int flip, int32_t *acc, void *scratch);

#endif
