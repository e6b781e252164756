#include "allocation_counter.h"

#include <errno.h>
#include <stddef.h>

extern void *__libc_malloc(size_t);
extern void __libc_free(void *);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

static __thread int counting;
static __thread long count;

void oq_allocations_start(void) {
  count = 0;
  counting = 1;
}

long oq_allocations_stop(void) {
  counting = 0;
  return count;
}

void *malloc(size_t size) {
  if (counting) count++;
  return __libc_malloc(size);
}

void free(void *pointer) { __libc_free(pointer); }

void *calloc(size_t n, size_t size) {
  if (counting) count++;
  return __libc_calloc(n, size);
}

void *realloc(void *pointer, size_t size) {
  if (counting) count++;
  return __libc_realloc(pointer, size);
}

void *memalign(size_t alignment, size_t size) {
  if (counting) count++;
  return __libc_memalign(alignment, size);
}

void *aligned_alloc(size_t alignment, size_t size) {
  if (counting) count++;
  return __libc_memalign(alignment, size);
}

int posix_memalign(void **out, size_t alignment, size_t size) {
  if (counting) count++;
  void *pointer = __libc_memalign(alignment, size);
  if (!pointer) return ENOMEM;
  *out = pointer;
  return 0;
}
