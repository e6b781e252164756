import ONNXFormat

/// NumPy `.npy` files (format versions 1.0, 2.0 and 3.0), the way tensors are exchanged with Python.
public enum Npy {
  /// Decodes a whole .npy file; `name` becomes the tensor's name.
  public static func decode(_ bytes: [UInt8], name: String = "") throws(FormatError) -> Tensor {
    let preamble = try NpyPreamble(bytes)
    let header = try NpyHeaderParser.parse(bytes[preamble.headerStart..<preamble.dataStart])
    if header.fortranOrder {
      throw FormatError(
        .unsupported, "npy header 'fortran_order'",
        "Fortran-ordered (column-major) arrays are not supported; save np.ascontiguousarray(array) instead")
    }
    let element = try NpyElementType(descr: header.descr)
    let shapeText = NpyHeaderWriter.tupleText(header.shape)
    guard let count = elementCount(header.shape) else {
      throw FormatError(.invalid, "npy header 'shape'", "the element count of shape " + shapeText + " overflows")
    }
    let product = count.multipliedReportingOverflow(by: element.itemSize)
    if product.overflow {
      throw FormatError(.invalid, "npy header 'shape'", "the byte size of shape " + shapeText + " overflows")
    }
    let expected = product.partialValue
    let actual = bytes.count - preamble.dataStart
    if actual != expected {
      let kind: FormatError.Kind = actual < expected ? .truncated : .invalid
      let need = "shape " + shapeText + " of '" + header.descr + "' needs " + String(expected) + " bytes"
      throw FormatError(kind, "npy data", need + ", the file has " + String(actual))
    }
    var data = Array(bytes[preamble.dataStart...])
    if element.bigEndian { swapByteOrder(&data, width: element.itemSize) }
    // numpy treats any nonzero byte as True; ONNX bool tensors must hold exactly 0 or 1.
    if element.dataType == .bool {
      for index in data.indices where data[index] > 1 { data[index] = 1 }
    }
    return Tensor(name: name, dataType: element.dataType, dims: header.shape, bytes: data)
  }

  /// Encodes `tensor` byte-for-byte as numpy.save would write the same array.
  public static func encode(_ tensor: Tensor) throws(FormatError) -> [UInt8] {
    let context = tensor.name.isEmpty ? "tensor" : "tensor '" + tensor.name + "'"
    guard let descr = NpyElementType.descr(for: tensor.dataType) else {
      throw FormatError(
        .unsupported, context,
        tensor.dataType.name + " cannot be written as .npy; writable types: float32, float16, int8, int16, int32, "
          + "int64, uint8, uint16, uint32, uint64, bool")
    }
    guard let count = elementCount(tensor.dims), let expected = tensor.dataType.storageBytes(count: count) else {
      throw FormatError(.invalid, context + " dims", "dims " + dimsText(tensor.dims) + " are negative or overflow")
    }
    if tensor.bytes.count != expected {
      throw FormatError(
        .invalid, context,
        "holds " + String(tensor.bytes.count) + " bytes, dims " + dimsText(tensor.dims) + " of " + tensor.dataType.name
          + " need " + String(expected))
    }
    guard var bytes = NpyHeaderWriter.headerBytes(descr: descr, shape: tensor.dims) else {
      throw FormatError(.unsupported, context, "the .npy header for dims " + dimsText(tensor.dims) + " exceeds 4 GiB")
    }
    bytes.append(contentsOf: tensor.bytes)
    return bytes
  }

  /// Reads a .npy file; the tensor is named after the file (`dir/x.npy` → `x`).
  public static func read(_ path: String) throws(FormatError) -> Tensor {
    let bytes = try FileBytes.read(path)
    do {
      return try decode(bytes, name: tensorName(forFile: path, extension: ".npy"))
    } catch {
      throw error.within(path)
    }
  }

  public static func write(_ tensor: Tensor, to path: String) throws(FormatError) {
    let bytes: [UInt8]
    do {
      bytes = try encode(tensor)
    } catch {
      throw error.within(path)
    }
    try FileBytes.write(bytes, to: path)
  }
}
