// Which dot-product micro-kernel the channels-last int8 convolution uses, and its aarch64 one: SDOT
// (signed x signed, ARMv8.2 dot product) on cores that have it, chosen at run time like the x86 one.
// The packed weights are those of oq_nhwc_u8s8_conv (csupport_int8_nhwc.h) on every kernel; only the
// meaning of `flip` and so the constant the runtime folds differ (see oq_nhwc_s8s8_conv).
#ifndef ONNX_QUANT_CSUPPORT_INT8_NHWC_ARM_H
#define ONNX_QUANT_CSUPPORT_INT8_NHWC_ARM_H

#include <stddef.h>
#include <stdint.h>

// oq_nhwc_dot_kind(): no dot-product kernel (the runtime's portable Swift tile runs) ...
#define OQ_NHWC_DOT_NONE 0
// ... oq_nhwc_u8s8_conv (x86-64 with AVX-512 VNNI): activations read as uint8 ...
#define OQ_NHWC_DOT_U8S8 1
// ... oq_nhwc_s8s8_conv (aarch64 with the dot product, HWCAP_ASIMDDP): activations read as int8.
#define OQ_NHWC_DOT_S8S8 2

// The kernel this CPU runs (one of the above). Cached after the first call.
int oq_nhwc_dot_kind(void);

// oq_nhwc_u8s8_conv's contract (same `a`, `w` layout, `out`), except that the activations are int8:
// out[r * out_stride + j] = sum of (int8)(a byte ^ (flip ? 0x80 : 0)) * w, in int32 (no saturation).
// So an int8 x runs with flip 0, a uint8 x with flip 1 (x - 128). Call only when oq_nhwc_dot_kind()
// is OQ_NHWC_DOT_S8S8; elsewhere it is plain C (what the NEON code must equal, for tests on any host).
void oq_nhwc_s8s8_conv(const uint8_t *const *a, int rows, int taps, int tap_quads, const int8_t *w,
                       int vectors, int32_t *out, ptrdiff_t out_stride, int flip);

#endif
