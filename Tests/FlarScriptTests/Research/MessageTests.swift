import FlarCore
import Testing

@testable import FlarScript

/// Errors say what is wrong with this input, and name a layer only when
/// there is one.
@Suite struct MessageTests {
  @Test func cholOfANegativeDefiniteMatrixSaysItIsNoSecondMoment() throws {
    let message = try #require(ResearchSession().errorMessage("chol(-eye(3))"))
    #expect(message.contains("is not a second moment"), "\(message)")
    #expect(message.contains("mean of its diagonal is -1,"), "\(message)")
    #expect(!message.contains("layer"), "\(message)")
    #expect(!message.contains("is zero"), "\(message)")
  }

  @Test func cholOfZerosSaysZeroWithoutALayer() throws {
    let message = try #require(ResearchSession().errorMessage("chol(zeros(3, 3))"))
    #expect(message.contains("second moment is zero"), "\(message)")
    #expect(!message.contains("layer"), "\(message)")
  }

  @Test func svdOfANaNMatrixNamesNoEmptyLayer() throws {
    let message = try #require(
      ResearchSession().errorMessage("A = eye(3); A[0, 0] = 0 / 0; svd(A)"))
    #expect(message.contains("NaN or infinity"), "\(message)")
    #expect(!message.contains("layer \"\""), "\(message)")
  }

  @Test func aNaNBatchIsAnErrorThatDoesNotClaimToHaveGoneOn() {
    let text = StatisticsError.nonFiniteInput(layer: "l", batch: 1, token: 2, channel: 3)
      .description
    #expect(text.contains("input of layer \"l\" holds NaN or infinity in batch 1"), "\(text)")
    #expect(!text.contains("left out"), "\(text)")
    #expect(text.contains("hook again"), "\(text)")
    let anonymous = StatisticsError.noTokens(layer: "").description
    #expect(anonymous == "the statistics have seen no calibration tokens")
  }
}
