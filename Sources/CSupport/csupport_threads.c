#define _GNU_SOURCE
#include "csupport_threads.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <time.h>

// One 64-bit word holds the job's generation (high half) and its next unclaimed task (low half): a
// thread claims a task with a compare-and-swap that fails once the job has moved on, so a worker that
// wakes late never runs a task of the wrong job, and the caller waits only for the tasks, not for
// every worker to check in. Workers waiting for a new generation spin a short while first
// (consecutive steps come microseconds apart), then sleep on a condition variable.
enum { OQ_SPIN_NS = 200000, OQ_MAX_THREADS = 64 };

struct oq_pool {
  int32_t threads;
  int32_t started;
  pthread_t workers[OQ_MAX_THREADS];
  pthread_mutex_t mutex;
  pthread_cond_t wake;  // workers: a new generation, or stop
  pthread_cond_t done;  // caller: every task has finished
  // The job, written by the caller before it publishes the generation; read by a thread before it
  // claims a task of that generation (and valid then: the job cannot end before that task does).
  _Atomic(oq_task) job;
  _Atomic(void *) context;
  _Atomic int32_t tasks;
  _Atomic uint64_t claim;      // generation << 32 | next task
  _Atomic int32_t finished;    // tasks of the current job finished
  _Atomic int32_t sleepers;    // workers sleeping (or about to) on `wake`
  _Atomic int32_t caller_sleeping;
  _Atomic int32_t stop;
};

struct oq_worker_start {
  oq_pool *pool;
  int32_t index;
};

static uint64_t oq_now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static inline void oq_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static inline uint32_t oq_generation(uint64_t claim) { return (uint32_t)(claim >> 32); }

// Runs tasks of generation `generation` until none is left or the job has moved on.
static void oq_take_tasks(oq_pool *pool, uint32_t generation, int32_t thread) {
  uint64_t claim = atomic_load_explicit(&pool->claim, memory_order_acquire);
  for (;;) {
    if (oq_generation(claim) != generation) return;
    oq_task job = atomic_load_explicit(&pool->job, memory_order_relaxed);
    void *context = atomic_load_explicit(&pool->context, memory_order_relaxed);
    int32_t tasks = atomic_load_explicit(&pool->tasks, memory_order_relaxed);
    int32_t task = (int32_t)(uint32_t)claim;
    if (task >= tasks) return;
    if (!atomic_compare_exchange_weak_explicit(&pool->claim, &claim, claim + 1, memory_order_acq_rel,
                                               memory_order_acquire)) {
      continue;  // `claim` now holds the current word
    }
    job(context, task, thread);
    // seq_cst: ordered before the load of caller_sleeping (the caller stores it, then loads `finished`).
    if (atomic_fetch_add(&pool->finished, 1) + 1 == tasks && atomic_load(&pool->caller_sleeping)) {
      pthread_mutex_lock(&pool->mutex);
      pthread_cond_signal(&pool->done);
      pthread_mutex_unlock(&pool->mutex);
    }
    claim = atomic_load_explicit(&pool->claim, memory_order_acquire);
  }
}

static void *oq_worker_main(void *argument) {
  struct oq_worker_start start = *(struct oq_worker_start *)argument;
  free(argument);
  oq_pool *pool = start.pool;
  pthread_setname_np(pthread_self(), "oq-worker");
  uint32_t seen = oq_generation(atomic_load(&pool->claim));
  for (;;) {
    uint64_t began = oq_now_ns();
    int spins = 0;
    uint32_t generation;
    for (;;) {
      generation = oq_generation(atomic_load_explicit(&pool->claim, memory_order_acquire));
      if (generation != seen || atomic_load_explicit(&pool->stop, memory_order_acquire)) break;
      oq_relax();
      if (++spins % 256 == 0 && oq_now_ns() - began > OQ_SPIN_NS) {
        pthread_mutex_lock(&pool->mutex);
        atomic_fetch_add(&pool->sleepers, 1);  // seq_cst: ordered before the load of the generation
        while (oq_generation(atomic_load(&pool->claim)) == seen && !atomic_load(&pool->stop)) {
          pthread_cond_wait(&pool->wake, &pool->mutex);
        }
        atomic_fetch_sub(&pool->sleepers, 1);
        pthread_mutex_unlock(&pool->mutex);
      }
    }
    if (atomic_load_explicit(&pool->stop, memory_order_acquire)) break;
    seen = generation;
    oq_take_tasks(pool, generation, start.index);
  }
  return NULL;
}

oq_pool *oq_pool_create(int32_t threads) {
  if (threads < 2) return NULL;
  if (threads > OQ_MAX_THREADS) threads = OQ_MAX_THREADS;
  oq_pool *pool = calloc(1, sizeof *pool);
  if (!pool) return NULL;
  pool->threads = threads;
  pthread_mutex_init(&pool->mutex, NULL);
  pthread_cond_init(&pool->wake, NULL);
  pthread_cond_init(&pool->done, NULL);
  for (int32_t index = 1; index < threads; index++) {
    struct oq_worker_start *start = malloc(sizeof *start);
    if (!start) break;
    start->pool = pool;
    start->index = index;
    if (pthread_create(&pool->workers[index - 1], NULL, oq_worker_main, start) != 0) {
      free(start);
      break;
    }
    pool->started++;
  }
  if (pool->started != threads - 1) {
    oq_pool_destroy(pool);
    return NULL;
  }
  return pool;
}

int32_t oq_pool_threads(const oq_pool *pool) { return pool ? pool->threads : 1; }

void oq_pool_run(oq_pool *pool, oq_task job, void *context, int32_t tasks) {
  if (tasks <= 0) return;
  if (!pool || tasks == 1) {
    for (int32_t task = 0; task < tasks; task++) job(context, task, 0);
    return;
  }
  atomic_store_explicit(&pool->job, job, memory_order_relaxed);
  atomic_store_explicit(&pool->context, context, memory_order_relaxed);
  atomic_store_explicit(&pool->tasks, tasks, memory_order_relaxed);
  atomic_store_explicit(&pool->finished, 0, memory_order_relaxed);
  uint32_t generation = oq_generation(atomic_load_explicit(&pool->claim, memory_order_relaxed)) + 1;
  // seq_cst: publishes the job, and is ordered before the load of `sleepers`.
  atomic_store(&pool->claim, (uint64_t)generation << 32);
  if (atomic_load(&pool->sleepers) > 0) {
    pthread_mutex_lock(&pool->mutex);
    pthread_cond_broadcast(&pool->wake);
    pthread_mutex_unlock(&pool->mutex);
  }
  oq_take_tasks(pool, generation, 0);
  // Wait for the tasks the workers took.
  if (atomic_load_explicit(&pool->finished, memory_order_acquire) == tasks) return;
  uint64_t began = oq_now_ns();
  int spins = 0;
  while (atomic_load_explicit(&pool->finished, memory_order_acquire) != tasks) {
    oq_relax();
    if (++spins % 256 == 0 && oq_now_ns() - began > OQ_SPIN_NS) {
      pthread_mutex_lock(&pool->mutex);
      atomic_store(&pool->caller_sleeping, 1);
      while (atomic_load(&pool->finished) != tasks) pthread_cond_wait(&pool->done, &pool->mutex);
      atomic_store(&pool->caller_sleeping, 0);
      pthread_mutex_unlock(&pool->mutex);
      break;
    }
  }
}

void oq_pool_destroy(oq_pool *pool) {
  if (!pool) return;
  pthread_mutex_lock(&pool->mutex);
  atomic_store(&pool->stop, 1);
  pthread_cond_broadcast(&pool->wake);
  pthread_mutex_unlock(&pool->mutex);
  for (int32_t index = 0; index < pool->started; index++) pthread_join(pool->workers[index], NULL);
  pthread_cond_destroy(&pool->wake);
  pthread_cond_destroy(&pool->done);
  pthread_mutex_destroy(&pool->mutex);
  free(pool);
}
