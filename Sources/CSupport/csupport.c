#define _GNU_SOURCE
#include "csupport.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int oq_file_size(const char *path, int64_t *size) {
  struct stat st;
  if (stat(path, &st) != 0) return errno;
  if (S_ISDIR(st.st_mode)) return EISDIR;
  *size = (int64_t)st.st_size;
  return 0;
}

int oq_read_file(const char *path, uint8_t *buffer, size_t capacity, size_t *length) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  size_t total = 0;
  while (total < capacity) {
    ssize_t n = read(fd, buffer + total, capacity - total);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      return e;
    }
    if (n == 0) break;
    total += (size_t)n;
  }
  close(fd);
  *length = total;
  return 0;
}

int oq_write_file_atomic(const char *path, const uint8_t *bytes, size_t length) {
  size_t path_length = strlen(path);
  char temporary[path_length + 32];
  snprintf(temporary, sizeof temporary, "%s.tmp-%ld", path, (long)getpid());
  int fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  size_t written = 0;
  while (written < length) {
    ssize_t n = write(fd, bytes + written, length - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      close(fd);
      unlink(temporary);
      return e;
    }
    written += (size_t)n;
  }
  if (close(fd) != 0) {
    int e = errno;
    unlink(temporary);
    return e;
  }
  if (rename(temporary, path) != 0) {
    int e = errno;
    unlink(temporary);
    return e;
  }
  return 0;
}

int oq_path_exists(const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? 1 : 0;
}

int oq_is_directory(const char *path) {
  struct stat st;
  return (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) ? 1 : 0;
}

int oq_make_directory(const char *path) {
  if (mkdir(path, 0755) == 0) return 0;
  if (errno == EEXIST && oq_is_directory(path)) return 0;
  return errno;
}

int oq_same_file(const char *a, const char *b) {
  struct stat sa, sb;
  if (stat(a, &sa) != 0 || stat(b, &sb) != 0) return 0;
  return (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino) ? 1 : 0;
}

int oq_list_directory(const char *path, void *context, oq_dir_visitor visit) {
  DIR *dir = opendir(path);
  if (!dir) return errno;
  struct dirent *entry;
  while ((entry = readdir(dir)) != NULL) {
    if (strcmp(entry->d_name, ".") == 0 || strcmp(entry->d_name, "..") == 0) continue;
    visit(context, entry->d_name);
  }
  closedir(dir);
  return 0;
}

const char *oq_error_message(int error) { return strerror(error); }

void oq_write_fd(int fd, const uint8_t *bytes, size_t length) {
  size_t written = 0;
  while (written < length) {
    ssize_t n = write(fd, bytes + written, length - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;
    }
    written += (size_t)n;
  }
}

int oq_isatty(int fd) { return isatty(fd); }

void oq_exit(int status) { exit(status); }

uint64_t oq_monotonic_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int64_t oq_peak_rss_bytes(void) {
  struct rusage usage;
  if (getrusage(RUSAGE_SELF, &usage) != 0) return -1;
  return (int64_t)usage.ru_maxrss * 1024;
}

int oq_open_read(const char *path, int *fd) {
  int opened;
  do {
    opened = open(path, O_RDONLY | O_CLOEXEC);
  } while (opened < 0 && errno == EINTR);
  if (opened < 0) return errno;
  *fd = opened;
  return 0;
}

int64_t oq_read_fd(int fd, uint8_t *buffer, size_t capacity) {
  ssize_t n = read(fd, buffer, capacity);
  if (n < 0) return -(int64_t)errno;
  return (int64_t)n;
}

void oq_close_fd(int fd) { close(fd); }

int oq_write_fd_checked(int fd, const uint8_t *bytes, size_t length) {
  size_t written = 0;
  while (written < length) {
    ssize_t n = write(fd, bytes + written, length - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    written += (size_t)n;
  }
  return 0;
}

static volatile sig_atomic_t oq_stop_flag = 0;
static struct sigaction oq_previous_int, oq_previous_term;
static int oq_stop_handlers_installed = 0;

static void oq_stop_handler(int signal_number) { oq_stop_flag = signal_number; }

int oq_install_stop_handlers(void) {
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = oq_stop_handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocked read(2) returns EINTR
  if (sigaction(SIGINT, &action, &oq_previous_int) != 0) return errno;
  if (sigaction(SIGTERM, &action, &oq_previous_term) != 0) {
    int e = errno;
    sigaction(SIGINT, &oq_previous_int, NULL);
    return e;
  }
  oq_stop_handlers_installed = 1;
  return 0;
}

void oq_restore_stop_handlers(void) {
  if (!oq_stop_handlers_installed) return;
  sigaction(SIGINT, &oq_previous_int, NULL);
  sigaction(SIGTERM, &oq_previous_term, NULL);
  oq_stop_handlers_installed = 0;
}

int oq_stop_signal(void) { return (int)oq_stop_flag; }

void oq_clear_stop_signal(void) { oq_stop_flag = 0; }
