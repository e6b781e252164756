/// Reverses the bytes of every `width`-byte element: big-endian .npy data to the little-endian Tensor layout.
func swapByteOrder(_ bytes: inout [UInt8], width: Int) {
  if width <= 1 { return }
  var start = 0
  while start + width <= bytes.count {
    var low = start
    var high = start + width - 1
    while low < high {
      bytes.swapAt(low, high)
      low += 1
      high -= 1
    }
    start += width
  }
}
