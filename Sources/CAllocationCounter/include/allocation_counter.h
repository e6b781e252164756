// Counts heap allocations made by the calling thread (or by every thread) between start and stop, for tests that prove
// a code path allocates nothing. Linked into test executables only: it replaces malloc and friends
// with wrappers around glibc's own entry points.
#ifndef ONNX_QUANT_ALLOCATION_COUNTER_H
#define ONNX_QUANT_ALLOCATION_COUNTER_H

void oq_allocations_start(void);
// Returns the allocations counted since start on this thread.
long oq_allocations_stop(void);

// The same for every thread of the process (a session's worker threads too).
void oq_allocations_start_all(void);
long oq_allocations_stop_all(void);

#endif
