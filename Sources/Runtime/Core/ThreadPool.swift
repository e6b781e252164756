import CSupport

/// The worker threads a session's parallel steps split their work across (`csupport_threads.h`):
/// `threads - 1` pthreads started at load, stopped and joined when the pool is released. A job is a
/// C function over task indices and a context pointer; running one allocates nothing.
public final class ThreadPool {
  let handle: OpaquePointer
  /// Threads in all: the caller and the workers.
  public let threads: Int

  /// nil when `threads` < 2 or the workers cannot be started.
  public init?(threads: Int) {
    guard threads >= 2, let handle = oq_pool_create(Int32(clamping: threads)) else { return nil }
    self.handle = handle
    self.threads = Int(oq_pool_threads(handle))
  }

  deinit { oq_pool_destroy(handle) }

  /// Runs tasks `0..<tasks` of `job` with `context` on `pool` (or on the caller alone when `pool` is
  /// nil) and returns when all have finished.
  @inline(__always)
  public static func run(
    _ pool: OpaquePointer?, tasks: Int, context: UnsafeMutableRawPointer,
    _ job: @convention(c) (UnsafeMutableRawPointer?, Int32, Int32) -> Void
  ) {
    oq_pool_run(pool, job, context, Int32(truncatingIfNeeded: tasks))
  }

  /// `count` items split into `parts` ranges of whole `unit`s (the last takes the remainder): part
  /// `index`'s range.
  @inline(__always)
  public static func range(_ index: Int, parts: Int, count: Int, unit: Int) -> Range<Int> {
    let units = (count + unit - 1) / unit
    let lower = units * index / parts * unit
    let upper = index == parts - 1 ? count : units * (index + 1) / parts * unit
    return min(lower, count)..<min(upper, count)
  }
}
