// The run-time CPU check the AVX-512 kernels share: each kernel file compiles its AVX-512 code under
// function attributes and calls it only when this says the CPU runs it.
#ifndef ONNX_QUANT_CSUPPORT_CPU_H
#define ONNX_QUANT_CSUPPORT_CPU_H

// 1 when this CPU has AVX-512 F, BW and VL (0 off x86-64); computed once.
int oq_cpu_has_avx512bw(void);

#endif
