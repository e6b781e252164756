/// The three entries of a .npy header dict.
struct NpyHeader: Equatable {
  var descr: String
  var fortranOrder: Bool
  var shape: [Int]
}
