import CSupport

/// Whole-file reads and atomic writes through CSupport, with errors that name the file.
public enum FileBytes {
  /// Files larger than this are refused before any allocation: no model or tensor file of an
  /// embedded deployment comes near it, and a bogus size must not exhaust memory.
  public static let sizeLimit = 1 << 34

  public static func read(_ path: String) throws(FormatError) -> [UInt8] {
    var size: Int64 = 0
    let status = path.withCString { oq_file_size($0, &size) }
    if status != 0 { throw FormatError(.io, path, "cannot open: " + errorMessage(status)) }
    if size > Int64(sizeLimit) {
      throw FormatError(.invalid, path, "is " + String(size) + " bytes, over the limit of " + String(sizeLimit))
    }
    var readStatus: Int32 = 0
    let bytes = [UInt8](unsafeUninitializedCapacity: Int(size)) { buffer, initialized in
      var length = 0
      readStatus = path.withCString { oq_read_file($0, buffer.baseAddress, buffer.count, &length) }
      initialized = readStatus == 0 ? length : 0
    }
    if readStatus != 0 { throw FormatError(.io, path, "cannot read: " + errorMessage(readStatus)) }
    return bytes
  }

  /// Writes `bytes` to `path` through a temporary file and a rename: never a half-written file.
  public static func write(_ bytes: [UInt8], to path: String) throws(FormatError) {
    let status = bytes.withUnsafeBufferPointer { buffer in
      path.withCString { oq_write_file_atomic($0, buffer.baseAddress, buffer.count) }
    }
    if status != 0 { throw FormatError(.io, path, "cannot write: " + errorMessage(status)) }
  }

  public static func exists(_ path: String) -> Bool { path.withCString { oq_path_exists($0) } == 1 }
  public static func isDirectory(_ path: String) -> Bool { path.withCString { oq_is_directory($0) } == 1 }
  public static func sameFile(_ a: String, _ b: String) -> Bool {
    a.withCString { pa in b.withCString { pb in oq_same_file(pa, pb) } } == 1
  }

  public static func makeDirectory(_ path: String) throws(FormatError) {
    let status = path.withCString { oq_make_directory($0) }
    if status != 0 { throw FormatError(.io, path, "cannot create directory: " + errorMessage(status)) }
  }

  /// Entry names of a directory, sorted bytewise so listings are the same on every machine.
  public static func list(_ path: String) throws(FormatError) -> [String] {
    let names = DirectoryNames()
    let context = Unmanaged.passUnretained(names).toOpaque()
    let status = path.withCString { pathPointer in
      oq_list_directory(pathPointer, context) { context, name in
        guard let context, let name else { return }
        Unmanaged<DirectoryNames>.fromOpaque(context).takeUnretainedValue().values.append(swiftString(UnsafeMutablePointer(mutating: name)))
      }
    }
    if status != 0 { throw FormatError(.io, path, "cannot list directory: " + errorMessage(status)) }
    return names.values.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
  }

  static func errorMessage(_ status: Int32) -> String {
    swiftString(UnsafeMutablePointer(mutating: oq_error_message(status)))
  }
}

/// Collects names from the C directory walk; a class so the C callback can reach it through a pointer.
final class DirectoryNames {
  var values: [String] = []
}

/// `directory/name`, without doubling a trailing slash.
public func joinPath(_ directory: String, _ name: String) -> String {
  if directory.isEmpty { return name }
  return directory.hasSuffix("/") ? directory + name : directory + "/" + name
}
