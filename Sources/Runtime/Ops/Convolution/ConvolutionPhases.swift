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
  /// `masked`: W is neither padded nor split (stride 1 across W, as many output columns as image columns):
  /// planes keep the image's rows as they are (pitch `imageW`, one copy per channel when H is not split
  /// either), and the W padding is applied by masking the loads of the taps that reach past a row's ends.
  /// Each plane then starts `lead` floats into its `planeStride`, for the taps that reach left of it.
  var masked = false
  var lead = 0
  /// The row copies that fill one channel, planned once: `copyCount` entries of `CopyRun`.
  var copies: Storage?
  var copyCount = 0

  /// Rows `rowCount` of `count` image elements each, `step` floats apart from `source` in the image and
  /// `columns` apart from `target` in the planes; the first `whole` in whole vectors.
  struct CopyRun {
    var source: Int
    var target: Int
    var step: Int
    var rowCount: Int
    var count: Int
    var whole: Int
    /// Stride 2: where the odd elements of the same source rows go (the other W phase, with as many
    /// elements), or -1.
    var odd: Int = -1
  }

  init() {}

  /// Whether `masked` planes can hold this window.
  static func canMask(_ w: ConvWindow) -> Bool {
    w.strideW == 1 && w.gridW == w.imageW && w.imageD == 1 && w.kernelD == 1
  }

  init(_ w: ConvWindow, masked: Bool = false) {
    self.masked = masked
    strideH = w.strideH
    strideW = masked ? 1 : w.strideW
    rows = w.gridH + (w.kernelH - 1) * w.dilationH / w.strideH
    columns = masked ? w.imageW : w.gridW + (w.kernelW - 1) * w.dilationW / w.strideW
    lead = masked ? w.padW : 0
    planeStride = lead + rows * columns + 2 * FloatGemm.nr + (masked ? (w.kernelW - 1) * w.dilationW : 0)
    depthStride = strideH * strideW * planeStride
    channelStride = w.imageD * depthStride
    var used = [Bool](repeating: false, count: strideH * strideW)
    for kh in 0..<w.kernelH {
      for kw in 0..<w.kernelW {
        used[(kh * w.dilationH) % strideH * strideW + (kw * w.dilationW) % strideW] = true
      }
    }
    // Rows are written in order in whole vectors: what a row writes past its end (zeros) lands in padding
    // or in the next row, which is written afterwards. The reads past a row's end must stay inside the
    // image, and the last row is exact.
    var runs: [CopyRun] = []
    let lanes = FloatGemm.nr
    for id in 0..<w.imageD {
      for a in 0..<strideH {
        let validRows = ConvWindow.validRange(offset: a - w.padH, stride: strideH, grid: rows, image: w.imageH)
        if masked {
          // Whole image rows; consecutive rows of the image are one copy.
          let rowCount = validRows.upper - validRows.lower
          if rowCount == 0 { continue }
          let source = (validRows.lower * strideH + a - w.padH) * w.imageW
          let target = a * planeStride + lead + validRows.lower * columns
          let step = strideH * w.imageW
          let (copies, count) = strideH == 1 ? (1, rowCount * w.imageW) : (rowCount, w.imageW)
          let reads = FloatGemm.roundUp(count, lanes)
          let readable = w.imageSize - reads - source
          let whole = readable < 0 ? 0 : min(copies - 1, readable / step + 1)
          runs.append(CopyRun(source: source, target: target, step: step, rowCount: copies, count: count, whole: whole))
          continue
        }
        for b in 0..<strideW where used[a * strideW + b] {
          let cols = ConvWindow.validRange(offset: b - w.padW, stride: strideW, grid: columns, image: w.imageW)
          let count = cols.upper - cols.lower
          let rowCount = validRows.upper - validRows.lower
          if count == 0 || rowCount == 0 { continue }
          let source =
            (id * w.imageH + validRows.lower * strideH + a - w.padH) * w.imageW + cols.lower * strideW + b - w.padW
          let step = strideH * w.imageW
          let reads = FloatGemm.roundUp(count, lanes) * strideW
          let readable = w.imageSize - reads - source
          var whole = readable < 0 ? 0 : min(rowCount - 1, readable / step + 1)
          if strideW > 2 { whole = 0 }
          let target = id * depthStride + (a * strideW + b) * planeStride + validRows.lower * columns + cols.lower
          // Stride 2: a phase whose elements are the odd ones of the previous phase's rows joins its run.
          if strideW == 2, b == 1, let last = runs.last, last.odd < 0, abs(last.source - source) == 1,
            last.rowCount == rowCount, last.count == count, last.step == step,
            last.target >= id * depthStride + a * strideW * planeStride
          {
            let first = min(last.source, source)
            let reads2 = FloatGemm.roundUp(count, lanes) * 2
            let readable2 = w.imageSize - reads2 - first
            var joined = last
            joined.source = first
            joined.target = first == source ? target : last.target
            joined.odd = first == source ? last.target : target
            joined.whole = readable2 < 0 ? 0 : min(rowCount - 1, readable2 / step + 1)
            runs[runs.count - 1] = joined
            continue
          }
          runs.append(
            CopyRun(source: source, target: target, step: step, rowCount: rowCount, count: count, whole: whole))
        }
      }
    }
    copyCount = runs.count
    copies = Storage(values: runs)
  }

  /// Flat floats of output rows `0..<count` (every row `columns` apart, the last one `gridW` long).
  @inline(__always)
  func flatCount(rows count: Int, gridW: Int) -> Int { count == 0 ? 0 : (count - 1) * columns + gridW }

  /// Offset of tap `(kh, kw)` from a depth slice's start.
  func tapOffset(_ w: ConvWindow, kh: Int, kw: Int) -> Int {
    let h = kh * w.dilationH
    let v = kw * w.dilationW
    if masked { return (h % strideH) * planeStride + lead + (h / strideH) * columns + v - w.padW }
    return ((h % strideH) * strideW + v % strideW) * planeStride + (h / strideH) * columns + v / strideW
  }

  /// Fills one channel (the D x H x W image at `image`) into `target` (`channelStride` floats).
  /// With `interiorOnly`, only the elements that come from the image are written: the padding must
  /// already be zero (a buffer zeroed once and reused for channel after channel).
  @inline(__always)
  func fill(_ image: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>, interiorOnly: Bool) {
    if !interiorOnly { FloatGemm.zero(target, channelStride) }
    let runs = UnsafePointer(copies.unsafelyUnwrapped.typed(CopyRun.self))
    for index in 0..<copyCount {
      let run = runs[index]
      var source = image + run.source
      var out = target + run.target
      if strideW == 1 {
        for _ in 0..<run.whole {
          FloatGemm.copyWhole(source, out, run.count)
          source += run.step
          out += columns
        }
      } else if strideW == 2 && run.odd >= 0 {
        var odd = target + run.odd
        for _ in 0..<run.whole {
          FloatGemm.copyPairWhole(source, out, odd, run.count)
          source += run.step
          out += columns
          odd += columns
        }
        for _ in run.whole..<run.rowCount {
          ConvPhases.gather(source, out, run.count, stride: 2)
          ConvPhases.gather(source + 1, odd, run.count, stride: 2)
          source += run.step
          out += columns
          odd += columns
        }
        continue
      } else if strideW == 2 {
        for _ in 0..<run.whole {
          FloatGemm.copyEvenWhole(source, out, run.count)
          source += run.step
          out += columns
        }
      }
      for _ in run.whole..<run.rowCount {
        ConvPhases.gather(source, out, run.count, stride: strideW)
        source += run.step
        out += columns
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
