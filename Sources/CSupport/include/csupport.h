// The POSIX calls onnx-quant's core needs, behind plain C functions so the
// same Swift compiles for the host and as Embedded Swift for boards, where
// no Glibc module is available.
#ifndef ONNX_QUANT_CSUPPORT_H
#define ONNX_QUANT_CSUPPORT_H

#include <stddef.h>
#include <stdint.h>

// Files. Functions return 0 on success or an errno value.
int oq_file_size(const char *path, int64_t *size);
int oq_read_file(const char *path, uint8_t *buffer, size_t capacity, size_t *length);
// Writes `path` atomically: a temporary file beside it, then rename(2), so an
// interrupted write never leaves a half-written file under the final name.
int oq_write_file_atomic(const char *path, const uint8_t *bytes, size_t length);
// 1 if the path exists, 0 if it does not.
int oq_path_exists(const char *path);
int oq_is_directory(const char *path);
int oq_make_directory(const char *path);
// 1 if both paths name the same file (device and inode), 0 otherwise.
int oq_same_file(const char *a, const char *b);

// Directory listing: calls `visit(context, name)` for each entry except . and ..
typedef void (*oq_dir_visitor)(void *context, const char *name);
int oq_list_directory(const char *path, void *context, oq_dir_visitor visit);

// The message for an errno value.
const char *oq_error_message(int error);

// Writes all of `bytes` to a file descriptor (1 stdout, 2 stderr).
void oq_write_fd(int fd, const uint8_t *bytes, size_t length);
int oq_isatty(int fd);

// Ends the process with `status` after flushing stdio.
void oq_exit(int status) __attribute__((noreturn));

// Monotonic clock in nanoseconds.
uint64_t oq_monotonic_ns(void);
// Peak resident set size of this process in bytes.
int64_t oq_peak_rss_bytes(void);

// Streams (`stream`): a file descriptor read with read(2) into a caller's buffer.
// Opens `path` for reading (a file, FIFO or device); 0 and `*fd` set, or an errno value.
int oq_open_read(const char *path, int *fd);
// Reads up to `capacity` bytes: the count read, 0 at end of file, or -errno (-EINTR when a
// signal interrupted the read, so the caller can look at oq_stop_signal()).
int64_t oq_read_fd(int fd, uint8_t *buffer, size_t capacity);
void oq_close_fd(int fd);
// Writes all of `bytes` to `fd`: 0, or an errno value (EPIPE when the reader has gone).
int oq_write_fd_checked(int fd, const uint8_t *bytes, size_t length);

// SIGINT and SIGTERM handlers that only record the signal in a volatile flag (no SA_RESTART,
// so a blocked read returns EINTR). Restore puts back the handlers found at install.
int oq_install_stop_handlers(void);
void oq_restore_stop_handlers(void);
// The signal number recorded since the last clear, or 0.
int oq_stop_signal(void);
void oq_clear_stop_signal(void);

#endif
