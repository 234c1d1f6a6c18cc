// What `heal` is asked to do, what it gives back, and what can stop it.

import FlarCore

/// The settings of one healing run.
public struct HealOptions: Sendable {
  /// Optimiser steps; nil runs `epochs` passes over the training sentences.
  public var steps: Int? = nil
  /// Passes over the training part of the calibration set (when `steps` is nil).
  public var epochs = 1.0
  /// η, the peak learning rate.
  public var learningRate = 3e-4
  /// Sentences per step (pairs for the contrastive loss).
  public var batchSize = 32
  public var loss: HealingLoss = .cos
  /// Which tensors move (low-rank factors by default).
  public var parameters: TrainableParameters = .lowRank
  /// Seeds the split into training and held-out parts and the order of batches.
  public var seed: UInt64 = 0
  public var schedule: LearningRateSchedule.Shape = .cosine
  /// Warm-up steps as a fraction of all steps.
  public var warmup = 0.05
  /// AdamW's decoupled weight decay λ (off by default).
  public var weightDecay = 0.0
  /// Tokens per sentence at most.
  public var maxLength = 128
  /// Sentences (pairs) of the calibration set held out to pick the best state.
  public var heldOut = 256
  /// Steps between two held-out evaluations; nil: a sixteenth of the run.
  public var evaluateEvery: Int? = nil
  /// A step whose loss exceeds this multiple of the first step's stops the run.
  public var divergenceFactor = 10.0

  public init() {}

  /// The most steps one run may plan (a run of this length takes years).
  public static let maximumSteps = 100_000_000

  /// The options as manifest entries.
  public var manifestEntries: [(String, String)] {
    let names = [
      (TrainableParameters.lowRank, "LR"), (.dense, "dense"), (.bias, "bias"), (.norm, "norm"),
    ].filter { parameters.contains($0.0) }.map(\.1)
    return [
      ("loss", loss.rawValue), ("train", names.joined(separator: ",")),
      ("steps", steps.map(String.init) ?? "from epochs"), ("epochs", "\(epochs)"),
      ("lr", "\(learningRate)"), ("batch", "\(batchSize)"), ("schedule", schedule.rawValue),
      ("warmup", "\(warmup)"), ("weight_decay", "\(weightDecay)"), ("maxlen", "\(maxLength)"),
      ("held_out", "\(heldOut)"), ("seed", "\(seed)"), ("optimizer", "AdamW (0.9, 0.999, 1e-8)"),
    ]
  }
}

/// Why a healing run ended.
public enum HealStop: Sendable, Equatable, CustomStringConvertible {
  /// Every step ran.
  case completed
  /// Ctrl-C: the run stopped before step `step` (0-based).
  case cancelled(step: Int)
  /// Step `step` (0-based) gave a non-finite or exploding loss; its update
  /// was not applied.
  case diverged(step: Int, loss: Double, limit: Double)

  public var description: String {
    switch self {
    case .completed: return "completed"
    case .cancelled(let s): return "stopped by Ctrl-C before step \(s + 1)"
    case .diverged(let s, let loss, let limit):
      if loss.isNaN { return "stopped at step \(s + 1): the loss is not a number" }
      return loss.isFinite
        ? "stopped at step \(s + 1): loss \(loss) exceeds \(limit) (the first step's times the divergence factor)"
        : "stopped at step \(s + 1): the loss is infinite"
    }
  }
}

/// A healed model and the record of its training.
public struct HealResult: Sendable {
  /// The state with the lowest held-out loss (step 0 is the model given).
  public var model: EncoderModel
  /// The state after the last step applied.
  public var last: EncoderModel
  /// The training loss of every step applied.
  public var losses: [Double]
  /// The wall time of every step applied: gradients and update, without the
  /// held-out evaluations.
  public var stepSeconds: [Double]
  /// (steps applied, held-out loss) at each evaluation, step 0 first.
  public var heldOutLosses: [(step: Int, loss: Double)]
  /// Steps applied when `model` was taken.
  public var bestStep: Int
  /// Steps the run was to take.
  public var plannedSteps: Int
  public var stop: HealStop
  public var seconds: Double
  /// Sentences (pairs) trained on and held out.
  public var trainingCount: Int
  public var heldOutCount: Int
  /// Values that moved.
  public var trainedParameterCount: Int
}

/// A healing run cannot start.
public enum HealError: Error, Equatable, CustomStringConvertible {
  /// Too few sentences (pairs) for a held-out part and one batch.
  case tooFewSentences(count: Int, heldOut: Int)
  /// The selection holds no tensor of this model (e.g. "LR" on a dense model).
  case nothingToTrain(selection: String)
  /// The teacher's shape differs from the student's.
  case teacherMismatch(detail: String)
  /// `steps` or `epochs` asks for more steps than one run may take.
  case tooManySteps(requested: Double)

  public var description: String {
    switch self {
    case .tooFewSentences(let n, let h):
      return
        "heal needs more calibration items than held_out=\(h) plus 2 to train on, got \(n)"
    case .nothingToTrain(let s):
      return
        "train=\"\(s)\" selects no tensor of this model (a dense model has no L, R: compress it first, or add \"bias\" or \"norm\")"
    case .teacherMismatch(let d): return "the teacher does not match the student: \(d)"
    case .tooManySteps(let n):
      return
        "heal would run \(n) steps; at most \(HealOptions.maximumSteps) (lower epochs= or steps=)"
    }
  }
}
