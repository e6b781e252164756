// The channels-last int8 convolution's output stage on AVX-512: int32 sums plus a per-channel
// constant, requantized per lane to 8-bit codes, exactly as the runtime's Swift `RoundingLanes` fast
// path computes them (ONNX Runtime's float32 double rounding, with integers only). A vector whose
// lanes that single rounding cannot settle (see IntegerLanesRounding.swift) is not written: the
// functions stop there and return its index, and the caller computes it on the exact path and calls
// again from the next one. Call only when oq_has_lane_requantize() is 1 and the clamp window
// [low - zero_point, high - zero_point] lies inside [-512, 512].
#ifndef ONNX_QUANT_CSUPPORT_REQUANT_H
#define ONNX_QUANT_CSUPPORT_REQUANT_H

#include <stddef.h>
#include <stdint.h>

// Byte offsets inside one vector's parameter record (the Swift kernel's `laneParameters`: 16 int32
// mantissas, shifts and constants, then `RoundingLanes`: 8 int64 lanes each of even and odd mantissas,
// shifts, rounding terms and ambiguity masks, and 16 int32 large-value bits), of the fields the C stage
// reads.
#define OQ_REQUANT_MANTISSA_EVEN 192
#define OQ_REQUANT_MANTISSA_ODD 256
#define OQ_REQUANT_LARGE_BITS 704
// Then the C stage's own constants (the Swift `NativeLanes`): the constant plus 2^24, and per 64-bit
// lane (even int32 lanes, then odd ones) 2^(s-1) + 2^(s-15) + zero_point 2^s - 2^24 m, the shift s and
// the ambiguity mask.
#define OQ_REQUANT_NATIVE_CONSTANT 768
#define OQ_REQUANT_NATIVE_ROUND_EVEN 832
#define OQ_REQUANT_NATIVE_ROUND_ODD 896
#define OQ_REQUANT_NATIVE_SHIFT_EVEN 960
#define OQ_REQUANT_NATIVE_SHIFT_ODD 1024
#define OQ_REQUANT_NATIVE_MASK_EVEN 1088
#define OQ_REQUANT_NATIVE_MASK_ODD 1152

// 1 when this CPU runs the functions below (AVX-512 F, BW and VL).
int oq_has_lane_requantize(void);

// Rows of vectors: element (r, v) is the 16 sums at acc + r * acc_stride + 16 * v, requantized with
// record v (params + v * record_bytes, packed for `zero_point`; plus bias[starts[v] + lane] when bias
// is not NULL) and written
// to y + r * y_stride + starts[v], its lanes below m - starts[v] only. Elements go vector by vector,
// each over the rows, from linear index `first` (v * rows + r); returns the index of the first one left
// for the exact path, or rows * vectors when all are written.
int oq_requant_rows_u8(const int32_t *acc, ptrdiff_t acc_stride, int rows, int vectors,
                       const ptrdiff_t *starts, int m, const void *params, ptrdiff_t record_bytes,
                       const int32_t *bias, int32_t zero_point, int32_t low, int32_t high, uint8_t *y,
                       ptrdiff_t y_stride, int first);

// A flat row of `count` sums: vector i (acc + 16 i) takes record i % period and is written to
// y + 16 i (the last one's lanes below count only). From vector `first`; returns the index of the
// first vector left for the exact path, or the number of vectors when all are written.
int oq_requant_flat_u8(const int32_t *acc, int count, const void *params, ptrdiff_t record_bytes,
                       int period, int32_t zero_point, int32_t low, int32_t high, uint8_t *y, int first);

#endif
