/// A product split across threads: C's columns in whole vectors of NR (or, with C transposed and more
/// rows than columns, its rows in whole tiles of MR), each part a product of its own over all of K, so that every element is
/// computed exactly as on one thread.
struct FloatProductJob {
  var problem: FloatGemm.Problem
  var parts: Int
  var alongRows: Bool
}

extension FloatGemm {
  /// Multiply-adds below which a product stays on the calling thread.
  static let parallelWork = 1 << 18

  /// `multiply` on `pool`'s threads when the product is large enough; `scratch` is used only on one.
  static func multiplyInParallel(_ problem: Problem, scratch: UnsafeMutablePointer<Float>?, pool: OpaquePointer?, threads: Int) {
    // Columns, or rows when C is transposed and has more of them (the rows are then output positions,
    // A a plain strided matrix); every part at least two units, so no part takes the one-row or
    // narrow-B paths.
    let rowUnits = problem.cTransposed && !problem.aPacked ? problem.m / mr : 0
    let columnUnits = problem.n / nr
    let alongRows = rowUnits > columnUnits
    let parts = min(2 * threads, max(rowUnits, columnUnits) / 2)
    if parts < 2 || problem.m * problem.n * problem.k < parallelWork {
      multiply(problem, scratch: scratch)
      return
    }
    var job = FloatProductJob(problem: problem, parts: parts, alongRows: alongRows)
    ThreadPool.run(pool, tasks: parts, context: &job) { context, task, _ in
      let job = context.unsafelyUnwrapped.assumingMemoryBound(to: FloatProductJob.self)
      var part = job.pointee.problem
      let parts = job.pointee.parts
      if job.pointee.alongRows {
        let rows = ThreadPool.range(Int(task), parts: parts, count: part.m, unit: FloatGemm.mr)
        part.m = rows.count
        part.a += rows.lowerBound * part.aRowStride
        part.c += rows.lowerBound  // transposed: row i at c + i
        if let bias = part.rowBias { part.rowBias = bias + rows.lowerBound }
      } else {
        let columns = ThreadPool.range(Int(task), parts: parts, count: part.n, unit: FloatGemm.nr)
        part.n = columns.count
        // Packed B: panels of NR columns, K deep.
        part.b += part.bPacked ? columns.lowerBound * part.k : columns.lowerBound
        part.c += columns.lowerBound * (part.cTransposed ? part.ldc : 1)
        if let bias = part.colBias { part.colBias = bias + columns.lowerBound }
      }
      FloatGemm.multiply(part, scratch: nil)
    }
  }
}
