// Byte-lane kernels for the 8-bit support operators: max pooling (planar and channels-last), the
// 256-entry table lookup, and 2-D transposes of 1- and 4-byte elements. Each has an AVX-512 (or SSE2)
// path chosen at run time on x86-64 and a portable C path elsewhere; both give the same bytes (max,
// lookup and copies are exact), so the choice never changes a result.
#ifndef ONNX_QUANT_CSUPPORT_BYTES_H
#define ONNX_QUANT_CSUPPORT_BYTES_H

#include <stddef.h>
#include <stdint.h>

// Windowed max over one output depth position of `planes` 8-bit NCHW planes (or 3-D volumes), for
// every output row and column. Plane p starts at `x + p * x_step`, and its output at `y + p * y_step`
// (`out_h * out_w` bytes). Input row h of slice d is at `x + d * slice_step + h * in_w` (x is the
// first slice the windows read, `nd` slices `slice_step` bytes apart). Output row oh reads `taps_h[oh]`
// rows from `first_h[oh]`, `dil_h` apart (tables as PoolingKernel builds them). Output column ow reads
// `kernel_w` columns from `ow * stride_w - pad_w`, `dil_w` apart, those outside the input ignored (a
// window with no input under it gives the lowest code). `columns` is `padded_w` bytes of scratch,
// padded_w >= pad_w + in_w and >= (out_w - 1) * stride_w + (kernel_w - 1) * dil_w + 1. `is_signed`:
// int8 codes, else uint8.
void oq_max_pool_planes_8(
    const uint8_t *x, ptrdiff_t planes, ptrdiff_t x_step, ptrdiff_t y_step, ptrdiff_t nd, ptrdiff_t slice_step,
    ptrdiff_t in_w, ptrdiff_t dil_h, const ptrdiff_t *first_h, const ptrdiff_t *taps_h, ptrdiff_t out_h,
    ptrdiff_t out_w, ptrdiff_t stride_w, ptrdiff_t kernel_w, ptrdiff_t dil_w, ptrdiff_t pad_w, ptrdiff_t padded_w,
    int is_signed, uint8_t *columns, uint8_t *y);

// 1 when oq_max_pool_tiny_8 runs in vectors on this CPU (AVX-512 VBMI), else 0 (it still runs, lane by
// lane).
int oq_has_byte_permute(void);

// Windowed max of `planes` planes of `in_plane` <= 64 bytes into planes of `out_plane` <= 64 bytes, the
// windows given as `tap_count` taps of 72 bytes: for each output position q, the input position byte
// `tap[q]` and validity bit `q` of the little-endian 64-bit mask at `tap + 64` (an invalid tap is
// ignored; no valid tap gives the lowest code).
void oq_max_pool_tiny_8(
    const uint8_t *x, ptrdiff_t planes, ptrdiff_t in_plane, ptrdiff_t out_plane, const uint8_t *taps,
    ptrdiff_t tap_count, int is_signed, uint8_t *y);

// Windowed max of one channels-last image `x` [in_h][in_w][channels] into y [out_h][out_w][channels],
// channels in vector lanes. Windows as for oq_max_pool_plane_8 (`first_h`/`taps_h` rows `dil_h`
// apart, `first_w`/`taps_w` columns `dil_w` apart).
void oq_max_pool_nhwc_8(
    const uint8_t *x, ptrdiff_t in_w, ptrdiff_t channels, ptrdiff_t dil_h, const ptrdiff_t *first_h,
    const ptrdiff_t *taps_h, ptrdiff_t out_h, ptrdiff_t dil_w, const ptrdiff_t *first_w, const ptrdiff_t *taps_w,
    ptrdiff_t out_w, int is_signed, uint8_t *y);

// y[i] = table[x[i]] for `count` bytes (x and y may be the same buffer). AVX-512 VBMI: 64 lookups
// per two vpermi2b.
void oq_lookup_bytes(const uint8_t *table, const uint8_t *x, uint8_t *y, ptrdiff_t count);

// dst[j * dst_stride + i] = src[i * src_stride + j] for i < rows, j < cols: a rows x cols matrix of
// 1-byte (`oq_transpose_8`) or 4-byte (`oq_transpose_32`) elements; strides in elements.
void oq_transpose_8(
    const uint8_t *src, ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t src_stride, uint8_t *dst, ptrdiff_t dst_stride);
void oq_transpose_32(
    const uint32_t *src, ptrdiff_t rows, ptrdiff_t cols, ptrdiff_t src_stride, uint32_t *dst, ptrdiff_t dst_stride);

// Tests only: 1 makes every function above take its portable path (the one other architectures
// run), 0 restores the run-time choice. Not thread safe; never called by the runtime.
void oq_bytes_force_portable(int on);

#endif
