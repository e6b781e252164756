// Counts heap allocations made by the calling thread between start and stop, for tests that prove
// a code path allocates nothing. Linked into test executables only: it replaces malloc and friends
// with wrappers around glibc's own entry points.
#ifndef ONNX_QUANT_ALLOCATION_COUNTER_H
#define ONNX_QUANT_ALLOCATION_COUNTER_H

void oq_allocations_start(void);
// Returns the allocations counted since start on this thread.
long oq_allocations_stop(void);

#endif
