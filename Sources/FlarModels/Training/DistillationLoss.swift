// The losses that heal a compressed model: distillation from its dense
// teacher (on sentence embeddings or on the last hidden states), or the
// model's own contrastive objective on calibration pairs.
//
// Legend: B sequences, N packed real tokens, H hidden.

import FlarLinAlg

/// The loss `heal` minimises.
public enum HealingLoss: String, Sendable, CaseIterable {
  /// 1 − cos(student, teacher) of the sentence embeddings.
  case cos
  /// Mean squared difference of the last hidden states of real tokens.
  case mse
  /// The symmetric in-batch ranking loss on query/definition pairs.
  case contrastive
}

/// The mean cosine distance between student and teacher sentence embeddings.
///
///     L = (1/B) Σ_s (1 − e_s · t_s),     ∂L/∂e_s = −t_s / B
///
/// with e_s and t_s the L2-normalised embeddings of sequence s (so the dot
/// product is the cosine). The derivative is taken with respect to the
/// normalised e; `EncoderModel.embeddingLoss` carries it back through the
/// normalisation and the mean pooling.
///
/// - Note: Checked against PyTorch autograd in `HealGradientTests`.
public struct CosineDistillationLoss<Scalar: EncoderScalar>: Sendable {
  /// t (B, H), the teacher's normalised embeddings of the batch.
  public var teacher: Matrix<Scalar>

  public init(teacher: Matrix<Scalar>) { self.teacher = teacher }

  /// L and ∂L/∂E (B, H) for the student's normalised embeddings E (B, H).
  public func valueAndGradient(_ e: Matrix<Scalar>) -> (value: Double, gradient: Matrix<Scalar>) {
    precondition(e.rows == teacher.rows && e.columns == teacher.columns, "teacher shape differs")
    let b = Double(max(e.rows, 1))
    var value = 0.0
    var gradient = Matrix<Scalar>(rows: e.rows, columns: e.columns)
    for s in 0..<e.rows {
      var dot = 0.0
      for j in 0..<e.columns {
        let t = teacher.storage[s * e.columns + j]
        dot += Double(e.storage[s * e.columns + j]) * Double(t)
        gradient.storage[s * e.columns + j] = Scalar(-Double(t) / b)
      }
      value += 1 - dot
    }
    return (value / b, gradient)
  }
}

/// The mean squared error between student and teacher last hidden states.
///
///     L = (1/(N H)) Σ_{t,j} (x_tj − y_tj)²,     ∂L/∂x = 2 (x − y) / (N H)
///
/// over the N real tokens of the batch (PyTorch's `mse_loss` on the
/// unpadded positions).
///
/// - Note: Checked against PyTorch autograd in `HealGradientTests`.
public struct HiddenStateMSELoss<Scalar: EncoderScalar>: Sendable {
  /// y (N, H), the teacher's last hidden states of the batch.
  public var teacher: Matrix<Scalar>

  public init(teacher: Matrix<Scalar>) { self.teacher = teacher }

  /// L and ∂L/∂X (N, H) for the student's states X (N, H).
  public func valueAndGradient(_ x: Matrix<Scalar>) -> (value: Double, gradient: Matrix<Scalar>) {
    precondition(x.rows == teacher.rows && x.columns == teacher.columns, "teacher shape differs")
    let count = Double(max(x.count, 1))
    var value = 0.0
    var gradient = x
    for i in x.storage.indices {
      let d = Double(x.storage[i]) - Double(teacher.storage[i])
      value += d * d
      gradient.storage[i] = Scalar(2 * d / count)
    }
    return (value / count, gradient)
  }
}
