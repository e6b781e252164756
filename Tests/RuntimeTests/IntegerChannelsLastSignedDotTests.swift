import CSupport
import XCTest

@testable import Runtime

/// The aarch64 SDOT kernel's convention (`oq_nhwc_s8s8_conv`: int8 activations, so uint8 x is
/// flipped to x - 128 and the constant corrected by + 128 Σ w', the opposite of VNNI's) on any host:
/// off aarch64 the function is plain C with the same contract as the NEON code (which runs here on an
/// aarch64 host with SDOT, and which `make board-test BOARD=rpi5` and `make board-kernel-check` check
/// under qemu), and the channels-last results must still equal the NCHW kernel's byte for byte.
extension IntegerChannelsLastTests {
  func testDotKindMatchesTheCPU() {
    #if arch(x86_64)
      XCTAssertEqual(
        oq_nhwc_dot_kind(), oq_has_u8s8_dot() == 1 ? OQ_NHWC_DOT_U8S8 : OQ_NHWC_DOT_NONE)
    #elseif arch(arm64)
      XCTAssertNotEqual(oq_nhwc_dot_kind(), OQ_NHWC_DOT_U8S8)
    #endif
  }

  func testSignedDotKernelConvention() throws {
    #if arch(arm64)
      // Here oq_nhwc_s8s8_conv is the NEON code itself: it needs the dot product.
      try XCTSkipUnless(oq_nhwc_dot_kind() == OQ_NHWC_DOT_S8S8, "no SDOT on this CPU")
    #endif
    IntegerChannelsLastKernel.dotKindOverride = OQ_NHWC_DOT_S8S8
    defer { IntegerChannelsLastKernel.dotKindOverride = nil }
    let cases = [
      // In place; more than 4 vectors (a second block of 3); M not a multiple of 16.
      Case(inChannels: 64, outChannels: 112, spatial: [7, 5], kernel: [1, 1]),
      Case(inChannels: 13, outChannels: 20, spatial: [5, 7], kernel: [1, 1]),
      Case(
        inChannels: 20, outChannels: 24, spatial: [7, 9], kernel: [3, 3], pads: [1, 1, 1, 1]),
      // Row taps (C = 3, 1), and M < 16 (flat output).
      Case(
        inChannels: 3, outChannels: 8, spatial: [12, 10], kernel: [3, 3], strides: [2, 2],
        pads: [0, 0, 1, 1]),
      Case(
        inChannels: 1, outChannels: 64, spatial: [15, 10], kernel: [10, 4], strides: [2, 2],
        pads: [4, 1, 5, 1]),
      Case(batch: 2, inChannels: 7, outChannels: 24, spatial: [4, 4], kernel: [1, 1]),
    ]
    try sweep(cases, seed: 3900)
    // Every case on the SDOT convention for certain (int8 w', as symmetric weights give), both flips:
    // uint8 x (x - 128, constant + 128 Σ w') and int8 x (as read), on 1 and 2 threads.
    var seed: UInt64 = 3950
    for base in cases {
      for xSigned in [false, true] {
        var c = base
        c.xSigned = xSigned
        c.wSigned = true
        c.symmetricWeights = true
        for threads in [1, 2] {
          let kernel = try XCTUnwrap(compare(c, seed: seed, threads: threads))
          XCTAssertTrue(kernel.signedDot, "\(c)")
          XCTAssertEqual(kernel.dotFlip, xSigned ? 0 : 1, "\(c)")
          seed += 1
        }
      }
    }
    // The portable path when dot products are off.
    IntegerConvolutionKernel.allowDotProducts = false
    defer { IntegerConvolutionKernel.allowDotProducts = true }
    let portable = try XCTUnwrap(compare(cases[2], seed: 3990))
    XCTAssertFalse(portable.signedDot)
  }
}
