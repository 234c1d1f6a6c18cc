// The optimiser and learning-rate schedule of healing.
//
// Legend: θ a parameter tensor, g its gradient, t the step (1-based in the
// formulas, 0-based in the schedule's argument).

/// A learning-rate schedule: linear warm-up, then linear or cosine decay.
///
/// For step s = 0, 1, …, T − 1 with W warm-up steps and peak rate η:
///
///     s < W:   η (s + 1) / (W + 1)
///     else:    p = (s − W + 1) / (T − W + 1)
///              linear  η (1 − p)        cosine  η (1 + cos(π p)) / 2
///
/// so no step has a rate of zero. This is `LambdaLR` with that factor in
/// PyTorch (one `scheduler.step()` after each `optimizer.step()`).
///
/// - Note: Checked against torch.optim.lr_scheduler.LambdaLR in `AdamWTests`.
public struct LearningRateSchedule: Sendable, Equatable {
  public enum Shape: String, Sendable, CaseIterable {
    case linear, cosine
  }

  public var peak: Double
  public var warmupSteps: Int
  public var totalSteps: Int
  public var shape: Shape

  public init(peak: Double, warmupSteps: Int, totalSteps: Int, shape: Shape) {
    self.peak = peak
    self.warmupSteps = warmupSteps
    self.totalSteps = totalSteps
    self.shape = shape
  }

  /// The rate of step `s` (0-based).
  public func rate(atStep s: Int) -> Double {
    if s < warmupSteps { return peak * Double(s + 1) / Double(warmupSteps + 1) }
    let p = Double(s - warmupSteps + 1) / Double(max(totalSteps - warmupSteps + 1, 1))
    switch shape {
    case .linear: return peak * (1 - p)
    case .cosine: return peak * (1 + cos(Double.pi * p)) / 2
    }
  }
}

/// Adam with decoupled weight decay, one moment pair per named tensor.
///
///     θ ← θ (1 − η λ)
///     m ← β₁ m + (1 − β₁) g,     v ← β₂ v + (1 − β₂) g²
///     θ ← θ − η (m / (1 − β₁ᵗ)) / (√(v / (1 − β₂ᵗ)) + ε)
///
/// Loshchilov, I. & Hutter, F. (2019). Decoupled weight decay
/// regularization. ICLR (Algorithm 2); the arrangement of ε and the bias
/// corrections is PyTorch's `torch.optim.AdamW`. Moments are kept in Float
/// (as PyTorch keeps them for Float32 parameters); each update is computed in
/// Double.
///
/// - Note: Checked against torch.optim.AdamW in `AdamWTests`.
public struct AdamW: Sendable {
  public var beta1 = 0.9
  public var beta2 = 0.999
  public var epsilon = 1e-8
  /// λ, off by default.
  public var weightDecay = 0.0
  /// Steps taken (t of the bias corrections).
  public private(set) var step = 0
  private var first: [String: [Float]] = [:]  // m per tensor
  private var second: [String: [Float]] = [:]  // v per tensor

  public init(weightDecay: Double = 0) { self.weightDecay = weightDecay }

  /// Starts a new step: later `update` calls use its bias corrections.
  public mutating func beginStep() { step += 1 }

  /// Applies one step to the tensor `name` at rate `rate`.
  public mutating func update(
    _ theta: inout [Float], gradient g: [Float], name: String, rate: Double
  ) {
    precondition(theta.count == g.count, "\(name): gradient and parameter counts differ")
    precondition(step > 0, "beginStep before update")
    var m = first[name] ?? [Float](repeating: 0, count: g.count)
    var v = second[name] ?? [Float](repeating: 0, count: g.count)
    let correction1 = 1 - pow(beta1, Double(step))
    let correction2 = (1 - pow(beta2, Double(step))).squareRoot()
    let decay = 1 - rate * weightDecay
    for i in theta.indices {
      let gi = Double(g[i])
      let mi = beta1 * Double(m[i]) + (1 - beta1) * gi
      let vi = beta2 * Double(v[i]) + (1 - beta2) * gi * gi
      m[i] = Float(mi)
      v[i] = Float(vi)
      let denominator = vi.squareRoot() / correction2 + epsilon
      theta[i] = Float(Double(theta[i]) * decay - rate / correction1 * mi / denominator)
    }
    first[name] = m
    second[name] = v
  }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
