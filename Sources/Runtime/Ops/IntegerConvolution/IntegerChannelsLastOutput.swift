import CSupport

/// The output stage in C on AVX-512 (csupport_requant.h): the same single rounding as
/// `RoundingLanes.requantize`, in one tight loop per vector of channels with the parameters read from
/// the packed records, a masked store for partial vectors. The C loop stops at a vector that the single
/// rounding cannot settle (about one in a thousand, or every one whose sums pass 2^24) and returns its
/// index; that vector goes through `IntegerLanes.requantize`'s exact path here, and the loop resumes
/// after it. Every clamp window of 8-bit outputs ([low - zero point, high - zero point], at most 255
/// wide around 0) lies inside the [-512, 512] the C path requires.
extension IntegerChannelsLastKernel {
  /// The C stage's share of a vector's record (`OQ_REQUANT_NATIVE_*`): `RoundingLanes`' single rounding
  /// with fewer steps per vector. The sums are offset by 2^24 (`constant` + 2^24), so that one test of
  /// their bits from 25 up finds those outside -2^24..<2^24, and the products of the offset sums take
  /// `-2^24 m` back in `round`; `round` also holds the zero point times 2^s, so the shift gives the
  /// code itself. Lanes whose every result is the zero point (mantissa 0) take shift 55, where
  /// zeroPoint * 2^s still fits in 64 bits (`RoundingLanes` keeps 62 for them).
  struct NativeLanes {
    var constant: IntegerLanes.Vector
    var roundEven, roundOdd, shiftEven, shiftOdd, maskEven, maskOdd: IntegerLanes.Wide

    /// Int32 values taken by `NativeLanes` in a parameter table.
    static let valueCount = MemoryLayout<NativeLanes>.size / 4

    init(mantissas: IntegerLanes.Vector, shifts: IntegerLanes.Vector, constants: IntegerLanes.Vector, zeroPoint: Int32)
    {
      constant = constants &+ IntegerLanes.Vector(repeating: 1 << 24)
      var round = (IntegerLanes.Wide(), IntegerLanes.Wide())
      var shift = (IntegerLanes.Wide(), IntegerLanes.Wide())
      var mask = (IntegerLanes.Wide(), IntegerLanes.Wide())
      for lane in 0..<16 {
        let (m, normalised, valid) = IntegerLanes.RoundingLanes.normalised(
          Int64(mantissas[lane]), Int64(shifts[lane]))
        let s = m == 0 ? 55 : normalised
        let (half, laneMask) = IntegerLanes.RoundingLanes.constants(s, valid: valid)
        let laneRound = half &+ Int64(zeroPoint) &<< s &- m &<< 24
        if lane % 2 == 0 {
          (round.0[lane / 2], shift.0[lane / 2], mask.0[lane / 2]) = (laneRound, s, laneMask)
        } else {
          (round.1[lane / 2], shift.1[lane / 2], mask.1[lane / 2]) = (laneRound, s, laneMask)
        }
      }
      (roundEven, roundOdd) = round
      (shiftEven, shiftOdd) = shift
      (maskEven, maskOdd) = mask
    }

    /// Writes these constants at `values[index...]` (`valueCount` Int32).
    func store(into values: inout [Int32], at index: Int) {
      values.withUnsafeMutableBytes {
        $0.storeBytes(of: self, toByteOffset: index * 4, as: NativeLanes.self)
      }
    }
  }

  /// Whether loads may choose the C output stage (tests turn it off to compare with the Swift one).
  nonisolated(unsafe) static var allowNativeOutputStage = true

  /// The C output stage runs on this CPU (decided at load).
  static var nativeOutputAvailable: Bool {
    allowNativeOutputStage && oq_has_lane_requantize() == 1
  }

  /// `storeRows` in C: `rows` positions of `vectors` accumulators each (`vectors * 16` int32 apart)
  /// to `y`, M bytes a position.
  func storeRowsNative(
    _ acc: UnsafePointer<Int32>, rows: Int, into y: UnsafeMutablePointer<UInt8>,
    bias: UnsafePointer<Int32>?
  ) {
    let m = outChannels
    let width = vectors * 16
    let starts = UnsafePointer(self.starts.unsafelyUnwrapped.typed(Int.self))
    let values = UnsafeRawPointer(lanes.unsafelyUnwrapped.pointer)
    let stride = IntegerChannelsLastKernel.laneValues * 4
    let total = rows * vectors
    var next = 0
    while true {
      next = Int(
        oq_requant_rows_u8(
          acc, width, Int32(rows), Int32(vectors), starts, Int32(m), values, stride, bias, yZero, low,
          high, y, m, Int32(next)))
      if next >= total { return }
      let v = next / rows
      let r = next - v * rows
      let start = starts[v]
      let parameters = values + v * stride
      var constant = parameters.loadUnaligned(fromByteOffset: 128, as: IntegerLanes.Vector.self)
      if let bias = bias {
        for lane in 0..<16 where start + lane < m { constant[lane] &+= bias[start + lane] }
      }
      let sums = UnsafeRawPointer(acc + r * width + v * 16).loadUnaligned(as: IntegerLanes.Vector.self)
      storeExact(sums &+ constant, parameters: parameters, to: y + r * m + start, count: min(16, m - start))
      next += 1
    }
  }

  /// `storeFlat` in C: `count` flat accumulators (channel `e % M`) to `y`.
  func storeFlatNative(_ acc: UnsafePointer<Int32>, count: Int, into y: UnsafeMutablePointer<UInt8>) {
    let values = UnsafeRawPointer(flatLanes.unsafelyUnwrapped.pointer)
    let stride = IntegerChannelsLastKernel.laneValues * 4
    let vectors = (count + 15) / 16
    var next = 0
    while true {
      next = Int(
        oq_requant_flat_u8(
          acc, Int32(count), values, stride, Int32(flatPeriod), yZero, low, high, y, Int32(next)))
      if next >= vectors { return }
      let parameters = values + (next % flatPeriod) * stride
      let constant = parameters.loadUnaligned(fromByteOffset: 128, as: IntegerLanes.Vector.self)
      let sums = UnsafeRawPointer(acc + 16 * next).loadUnaligned(as: IntegerLanes.Vector.self)
      storeExact(sums &+ constant, parameters: parameters, to: y + 16 * next, count: min(16, count - 16 * next))
      next += 1
    }
  }

  /// One vector the C loop left: the exact requantization with the record at `parameters`, its first
  /// `count` codes stored.
  @inline(never)
  func storeExact(
    _ sums: IntegerLanes.Vector, parameters: UnsafeRawPointer, to y: UnsafeMutablePointer<UInt8>, count: Int
  ) {
    let q = IntegerLanes.requantize(
      sums, IntegerLanes.RoundingLanes.load(parameters + 192),
      mantissas: parameters.loadUnaligned(as: IntegerLanes.Vector.self),
      shifts: parameters.loadUnaligned(fromByteOffset: 64, as: IntegerLanes.Vector.self), zeroPoint: yZero,
      low: low, high: high)
    for lane in 0..<count { y[lane] = UInt8(truncatingIfNeeded: q[lane]) }
  }
}
