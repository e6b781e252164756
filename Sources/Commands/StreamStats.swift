/// Latencies of the `stream` loop in fixed memory: a log-linear histogram of microseconds (exact
/// below 256 us, then 128 buckets per power of two, under 1% wide), the exact sum and maximum.
/// Its storage is allocated once, at setup.
struct LatencyHistogram {
  static let exactBuckets = 256
  static let subBuckets = 128
  /// Up to 2^48 us (about 9 years); longer latencies land in the last bucket.
  static let bucketCount = exactBuckets + (48 - 8) * subBuckets

  private let counts: UnsafeMutableBufferPointer<UInt32>
  private(set) var windows = 0
  private(set) var sumNanoseconds: UInt64 = 0
  private(set) var maxMicroseconds: UInt64 = 0

  init() {
    counts = UnsafeMutableBufferPointer<UInt32>.allocate(capacity: Self.bucketCount)
    counts.initialize(repeating: 0)
  }

  func deallocate() { counts.deallocate() }

  static func bucket(_ microseconds: UInt64) -> Int {
    if microseconds < UInt64(exactBuckets) { return Int(microseconds) }
    let exponent = 63 - microseconds.leadingZeroBitCount  // >= 8
    let shift = exponent - 7
    let sub = Int(microseconds >> UInt64(shift)) - subBuckets  // 0..<128
    return min(bucketCount - 1, exactBuckets + (exponent - 8) * subBuckets + sub)
  }

  /// The largest value that falls in `bucket`.
  static func upperBound(_ bucket: Int) -> UInt64 {
    if bucket < exactBuckets { return UInt64(bucket) }
    let exponent = (bucket - exactBuckets) / subBuckets + 8
    let sub = UInt64((bucket - exactBuckets) % subBuckets + subBuckets)
    let shift = UInt64(exponent - 7)
    return ((sub + 1) << shift) - 1
  }

  mutating func add(nanoseconds: UInt64) {
    let microseconds = nanoseconds / 1000
    let index = Self.bucket(microseconds)
    if counts[index] < UInt32.max { counts[index] += 1 }
    windows += 1
    sumNanoseconds &+= nanoseconds
    if microseconds > maxMicroseconds { maxMicroseconds = microseconds }
  }

  /// Mean latency in microseconds (from the exact sum of nanoseconds).
  var meanMicroseconds: Double { windows == 0 ? 0 : Double(sumNanoseconds) / Double(windows) / 1000 }

  /// The `fraction` quantile (0.99 for p99), as the upper bound of its bucket but never above the
  /// maximum seen.
  func quantile(_ fraction: Double) -> UInt64 {
    if windows == 0 { return 0 }
    var rank = Int((Double(windows) * fraction).rounded(.up))
    if rank < 1 { rank = 1 }
    var seen = 0
    for index in 0..<Self.bucketCount {
      seen += Int(counts[index])
      if seen >= rank { return min(Self.upperBound(index), maxMicroseconds) }
    }
    return maxMicroseconds
  }
}
