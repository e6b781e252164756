import ONNXFormat

/// Nothing the user gave us is overwritten: an output may not be an input, and may replace an existing
/// file only when asked to.
public enum OutputPolicy {
  public static func checkWritable(_ output: String, inputs: [String], force: Bool) throws(CommandError) {
    for input in inputs where input == output || FileBytes.sameFile(input, output) {
      throw .usage("refusing to overwrite the input " + input + " with the output")
    }
    if FileBytes.exists(output) && !force {
      throw .usage(output + " exists; pass --force to replace it")
    }
  }
}
