/// An input channel copied into scratch with its H and W padding made explicit and split by stride
/// phase, so that every kernel tap reads the output positions of whole rows as contiguous floats.
///
/// Phase `(a, b)` (a < strideH, b < strideW) of depth slice `id` holds, at row `r` and column `c`, the
/// padded image element `(r * strideH + a, c * strideW + b)` (zero in the padding). Every phase plane is
/// `rows x columns` with `columns` the pitch, followed by `slack` floats. Output position `(gh, gx)`
/// of tap `(kh, kw)` then reads plane `((kh * dilationH) % strideH, (kw * dilationW) % strideW)` at
/// flat index `q + tapOffset` with `q = gh * columns + gx`: consecutive output positions, even across
/// rows, read consecutive floats; the `columns - gridW` positions at the end of each row are junk that
/// the caller drops. D is not padded: a tap whose depth falls outside the image contributes nothing.
struct ConvPhases {
  var strideH = 1, strideW = 1
  var rows = 0
  var columns = 0
  /// Floats of one phase plane (rows * columns plus the slack vector loads may read past the end).
  var planeStride = 0
  /// Floats of one depth slice: all its phase planes.
  var depthStride = 0
  /// Floats of one channel: every depth slice.
  var channelStride = 0
  /// Bit `a * strideW + b` is set when some tap reads phase (a, b); other phases are not filled.
  var usedPhases: UInt64 = 0

  init() {}

  init(_ w: ConvWindow) {
    strideH = w.strideH
    strideW = w.strideW
    rows = w.gridH + (w.kernelH - 1) * w.dilationH / w.strideH
    columns = w.gridW + (w.kernelW - 1) * w.dilationW / w.strideW
    planeStride = rows * columns + 2 * FloatGemm.nr
    depthStride = strideH * strideW * planeStride
    channelStride = w.imageD * depthStride
    for kh in 0..<w.kernelH {
      for kw in 0..<w.kernelW {
        let phase = (kh * w.dilationH) % strideH * strideW + (kw * w.dilationW) % strideW
        if phase < 64 { usedPhases |= 1 << UInt64(phase) }
      }
    }
    if strideH * strideW > 64 { usedPhases = ~0 }
  }

  /// Flat floats of output rows `0..<count` (every row `columns` apart, the last one `gridW` long).
  @inline(__always)
  func flatCount(rows count: Int, gridW: Int) -> Int { count == 0 ? 0 : (count - 1) * columns + gridW }

  @inline(__always)
  func isUsed(_ phase: Int) -> Bool { phase >= 64 || usedPhases & (1 << UInt64(phase)) != 0 }

  /// Offset of tap `(kh, kw)` from a depth slice's start.
  func tapOffset(_ w: ConvWindow, kh: Int, kw: Int) -> Int {
    let h = kh * w.dilationH
    let v = kw * w.dilationW
    return ((h % strideH) * strideW + v % strideW) * planeStride + (h / strideH) * columns + v / strideW
  }

  /// Fills one channel (the D x H x W image at `image`) into `target` (`channelStride` floats).
  /// With `interiorOnly`, only the elements that come from the image are written: the padding must
  /// already be zero (a buffer zeroed once and reused for channel after channel).
  func fill(
    _ w: ConvWindow, _ image: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, interiorOnly: Bool
  ) {
    let lanes = FloatGemm.nr
    for id in 0..<w.imageD {
      for a in 0..<strideH {
        let validRows = ConvWindow.validRange(offset: a - w.padH, stride: strideH, grid: rows, image: w.imageH)
        for b in 0..<strideW where isUsed(a * strideW + b) {
          let plane = target + id * depthStride + (a * strideW + b) * planeStride
          if !interiorOnly { FloatGemm.zero(plane, planeStride) }
          let cols = ConvWindow.validRange(offset: b - w.padW, stride: strideW, grid: columns, image: w.imageW)
          let count = cols.upper - cols.lower
          let rowCount = validRows.upper - validRows.lower
          if count == 0 || rowCount == 0 { continue }
          // Offsets from the image's start of the first row's first element, and between rows.
          let first =
            (id * w.imageH + validRows.lower * strideH + a - w.padH) * w.imageW + cols.lower * strideW + b - w.padW
          let step = strideH * w.imageW
          var source = image + first
          var out = plane + validRows.lower * columns + cols.lower
          // Rows are written in order in whole vectors: what a row writes past its end (zeros) lands
          // in padding or in the next row, which is written afterwards. The reads past a row's end
          // must stay inside the image, and the last row is exact.
          let reads = FloatGemm.roundUp(count, lanes) * strideW
          let readable = w.imageSize - reads - first
          var whole = readable < 0 ? 0 : min(rowCount - 1, readable / step + 1)
          if strideW > 2 { whole = 0 }
          if strideW == 1 {
            for _ in 0..<whole {
              FloatGemm.copyWhole(source, out, count)
              source += step
              out += columns
            }
          } else if strideW == 2 {
            for _ in 0..<whole {
              FloatGemm.copyEvenWhole(source, out, count)
              source += step
              out += columns
            }
          }
          for _ in whole..<rowCount {
            ConvPhases.gather(source, out, count, stride: strideW)
            source += step
            out += columns
          }
        }
      }
    }
  }

  /// Copies the `rows` rows of `width` floats of a flat result (`pitch` floats apart; at least
  /// `rows * pitch` floats readable) into consecutive rows at `target`.
  @inline(__always)
  static func compact(
    _ source: UnsafePointer<Float>, pitch: Int, rows: Int, width: Int, into target: UnsafeMutablePointer<Float>
  ) {
    if rows == 0 { return }
    if pitch == width {
      FloatGemm.copy(source, target, rows * width)
      return
    }
    var from = source
    var to = target
    // Whole vectors: each row's excess lands in the rows after it, written afterwards. Rows whose
    // excess would pass the end of the target are exact.
    let excess = FloatGemm.roundUp(width, FloatGemm.nr) - width
    let whole = max(0, min(rows - 1, rows - (excess + width - 1) / width))
    for _ in 0..<whole {
      FloatGemm.copyWhole(from, to, width)
      from += pitch
      to += width
    }
    for _ in whole..<rows {
      FloatGemm.copy(from, to, width)
      from += pitch
      to += width
    }
  }

  /// `target[i] = source[i * stride]` for `count` floats.
  @inline(__always)
  static func gather(_ source: UnsafePointer<Float>, _ target: UnsafeMutablePointer<Float>, _ count: Int, stride: Int)
  {
    switch stride {
    case 1: FloatGemm.copy(source, target, count)
    case 2: FloatGemm.copyEven(source, target, count)
    default: for index in 0..<count { target[index] = source[index * stride] }
    }
  }
}
