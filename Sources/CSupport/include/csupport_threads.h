// A fixed pool of worker threads for splitting one step's work (pthreads). Made at load; running a
// job allocates nothing. Kept to this primitive: the kernels decide what the tasks are, in Swift.
#ifndef ONNX_QUANT_CSUPPORT_THREADS_H
#define ONNX_QUANT_CSUPPORT_THREADS_H

#include <stdint.h>

typedef struct oq_pool oq_pool;

// One task of a job: `task` in 0..<tasks, on thread `thread` (0 is the caller, 1..<threads the
// workers), which indexes per-thread scratch. Tasks of one job must write disjoint memory.
typedef void (*oq_task)(void *context, int32_t task, int32_t thread);

// A pool of `threads` threads in all: the caller of oq_pool_run and threads - 1 workers, started
// here (named "oq-worker"). NULL when threads < 2 or a thread cannot be started (nothing is left running then).
oq_pool *oq_pool_create(int32_t threads);
// Threads in the pool, the caller included.
int32_t oq_pool_threads(const oq_pool *pool);
// Runs tasks 0..<tasks of `job` on the caller and the workers (each task once, taken in order as
// threads become free; the caller does them all if no worker is awake) and returns when every task
// has finished; the tasks' writes are then visible to the caller. Called from one thread at a time.
void oq_pool_run(oq_pool *pool, oq_task job, void *context, int32_t tasks);
// Stops and joins the workers and frees the pool.
void oq_pool_destroy(oq_pool *pool);

#endif
