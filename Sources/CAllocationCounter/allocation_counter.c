#include "allocation_counter.h"

#include <errno.h>
#include <stdatomic.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static __thread int counting_here;
static __thread long count_here;
static _Atomic int counting_all;
static _Atomic long count_all;

// Counts one allocation when this thread, or every thread, is being counted.
static inline void count_one(void) {
  if (counting_here) count_here++;
  if (counting_all) count_all++;
}

void oq_allocations_start(void) {
  count_here = 0;
  counting_here = 1;
}

long oq_allocations_stop(void) {
  counting_here = 0;
  return count_here;
}

void oq_allocations_start_all(void) {
  count_all = 0;
  counting_all = 1;
}

long oq_allocations_stop_all(void) {
  counting_all = 0;
  return count_all;
}

void *malloc(size_t size) {
  count_one();
  return __libc_malloc(size);
}

void free(void *pointer) { __libc_free(pointer); }

void *calloc(size_t n, size_t size) {
  count_one();
  return __libc_calloc(n, size);
}

void *realloc(void *pointer, size_t size) {
  count_one();
  return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
  count_one();
  return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
  count_one();
  return __libc_memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
  count_one();
  void *pointer = __libc_memalign(alignment, size);
  if (!pointer) return ENOMEM;
  *out = pointer;
  return 0;
}
