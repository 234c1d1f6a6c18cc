// Healing: fine-tuning a compressed model's low-rank factors (and, on
// request, biases and LayerNorms) to match its dense teacher, with AdamW.
//
// Legend: B sentences of a batch, N packed tokens, H hidden.
//
// Goals, in order: (1) never lose the user's work: the model given is never
// changed, Ctrl-C returns the best state so far, a diverging loss stops the
// run and returns the last good state; (2) never look at evaluation data:
// only the calibration items given, a held-out part of them picking the
// best state; (3) the same result for the same seed; (4) speed: the
// teacher's outputs are computed once (cos) or once per batch (mse), never
// differentiated.

import FlarCore
import FlarLinAlg

/// Runs one healing of a student against a teacher.
public struct Healer {
  public var options: HealOptions
  public var progress: ProgressReporter
  public var cancellation: Cancellation?

  public init(
    options: HealOptions, progress: ProgressReporter = SilentProgress(),
    cancellation: Cancellation? = nil
  ) {
    self.options = options
    self.progress = progress
    self.cancellation = cancellation
  }

  /// The items of one run: tokenised sentences, or pairs laid out as
  /// queries then definitions within each batch.
  struct Data {
    var first: [[Int]]  // sentences, or queries
    var second: [[Int]]?  // definitions for the contrastive loss
    var paddingId: Int

    var count: Int { first.count }

    func batch(_ indices: [Int]) -> TokenBatch {
      var sequences = indices.map { first[$0] }
      if let second { sequences += indices.map { second[$0] } }
      return TokenBatch(sequences: sequences, paddingId: paddingId)
    }
  }

  /// Heals `student` on `sentences` (cos, mse) or `pairs` (contrastive).
  ///
  /// - Parameters:
  ///   - teacher: the dense model to match (unused by the contrastive loss).
  /// - Throws: `HealError`, model and tokenizer errors; `CancelledError`
  ///   for Ctrl-C before the first step (during the teacher's pass, when
  ///   there is no state to return yet). Ctrl-C during training and a
  ///   diverging loss end the run normally (see `HealResult.stop`).
  public func run(
    student: EncoderModel, teacher: EncoderModel?, sentences: [String], pairs: CalibrationPairs?
  ) throws -> HealResult {
    let started = monotonicSeconds()
    let o = options
    if let teacher, o.loss != .contrastive {
      try Self.checkTeacher(teacher, student: student)
    }
    guard !student.trainableTensorNames(o.parameters).isEmpty else {
      throw HealError.nothingToTrain(selection: o.manifestEntries[1].1)
    }
    let data: Data
    if o.loss == .contrastive, let pairs {
      data = Data(
        first: try student.encode(pairs.queries, maxLength: o.maxLength).sequences,
        second: try student.encode(pairs.definitions, maxLength: o.maxLength).sequences,
        paddingId: student.config.padTokenId)
    } else {
      data = Data(
        first: try student.encode(sentences, maxLength: o.maxLength).sequences, second: nil,
        paddingId: student.config.padTokenId)
    }
    guard o.heldOut >= 0, data.count - 2 >= o.heldOut else {
      throw HealError.tooFewSentences(count: data.count, heldOut: o.heldOut)
    }
    // The split: a seeded shuffle, the last `heldOut` items held out.
    var rng = SplitMix64(seed: SplitMix64.derivedSeed(o.seed, index: 0))
    let shuffled = Array(0..<data.count).shuffled(using: &rng)
    let training = Array(shuffled.dropLast(o.heldOut))
    let heldOut = Array(shuffled.suffix(o.heldOut)).sorted()
    // A batch larger than the training part is the whole training part.
    let batchSize = min(max(o.loss == .contrastive ? 2 : 1, o.batchSize), training.count)
    let perEpoch = (training.count + batchSize - 1) / batchSize
    let planned = o.steps.map(Double.init) ?? (o.epochs * Double(perEpoch)).rounded(.up)
    guard planned.isFinite, planned <= Double(HealOptions.maximumSteps) else {
      throw HealError.tooManySteps(requested: planned)
    }
    let total = max(1, Int(planned))
    let schedule = LearningRateSchedule(
      peak: o.learningRate, warmupSteps: Int((o.warmup * Double(total)).rounded()),
      totalSteps: total, shape: o.schedule)
    let every = max(1, o.evaluateEvery ?? (total + 15) / 16)
    let targets = try TeacherTargets(
      loss: o.loss, teacher: teacher, data: data, batchSize: batchSize,
      cancellation: cancellation)
    let evaluator = try HeldOutEvaluator(
      data: data, indices: heldOut, batchSize: batchSize, loss: o.loss, targets: targets)

    var model = student
    var optimizer = AdamW(weightDecay: o.weightDecay)
    let slots = model.parameterSlots(o.parameters)
    var losses: [Double] = []
    var stepSeconds: [Double] = []
    var heldOutLosses = [(step: 0, loss: try evaluator.loss(of: model))]
    var best = (model: model, step: 0, loss: heldOutLosses[0].loss)
    var stop = HealStop.completed
    var order: [Int] = []
    var position = 0
    var epoch = 0
    progress.begin("heal", total: total)
    defer { progress.end() }
    let loopStarted = monotonicSeconds()
    for step in 0..<total {
      if cancellation?.isCancelled == true {
        cancellation?.reset()
        stop = .cancelled(step: step)
        break
      }
      if position >= order.count {
        epoch += 1
        var epochRng = SplitMix64(seed: SplitMix64.derivedSeed(o.seed, index: epoch))
        order = training.shuffled(using: &epochRng)
        position = 0
      }
      var indices = Array(order[position..<min(position + batchSize, order.count)])
      position += indices.count
      if data.second != nil, indices.count == 1 {
        // One pair has no negative: the pair before it in this epoch's
        // order joins it, so every contrastive batch has two.
        indices.append(order[max(0, position - 2)])
      }
      let batch = data.batch(indices)
      let stepStarted = monotonicSeconds()
      let g = try model.parameterGradients(
        batch, parameters: o.parameters,
        loss: try targets.lossFunction(for: model, indices: indices, batch: batch))
      let limit = o.divergenceFactor * max(losses.first ?? g.loss, 1e-12)
      if !g.loss.isFinite || g.loss > limit || !g.byName.values.allSatisfy(allFinite) {
        stop = .diverged(step: step, loss: g.loss, limit: limit)
        break
      }
      optimizer.beginStep()
      let rate = schedule.rate(atStep: step)
      for slot in slots {
        var theta = model.values(of: slot)
        optimizer.update(&theta, gradient: g.byName[slot.name]!, name: slot.name, rate: rate)
        model.setValues(of: slot, theta)
      }
      losses.append(g.loss)
      stepSeconds.append(monotonicSeconds() - stepStarted)
      let speed = Double(step + 1) / max(monotonicSeconds() - loopStarted, 1e-9)
      progress.describe(
        "loss \(formatShort(g.loss)) · \(formatShort(speed)) steps/s")
      progress.advance(by: 1)
      if (step + 1) % every == 0 || step + 1 == total {
        let l = try evaluator.loss(of: model)
        heldOutLosses.append((step + 1, l))
        if l < best.loss { best = (model, step + 1, l) }
      }
    }
    // A run stopped between evaluations is evaluated where it stopped.
    if losses.count > (heldOutLosses.last?.step ?? 0) {
      let l = try evaluator.loss(of: model)
      heldOutLosses.append((losses.count, l))
      if l < best.loss { best = (model, losses.count, l) }
    }
    return HealResult(
      model: best.model, last: model, losses: losses, stepSeconds: stepSeconds,
      heldOutLosses: heldOutLosses,
      bestStep: best.step, plannedSteps: total, stop: stop,
      seconds: monotonicSeconds() - started, trainingCount: training.count,
      heldOutCount: heldOut.count,
      trainedParameterCount: student.trainableParameterCount(o.parameters))
  }

  /// Refuses a teacher whose outputs cannot be compared with the student's.
  static func checkTeacher(_ teacher: EncoderModel, student: EncoderModel) throws {
    let (t, s) = (teacher.config, student.config)
    if t.hiddenSize != s.hiddenSize {
      throw HealError.teacherMismatch(
        detail: "hidden size \(t.hiddenSize), the student's \(s.hiddenSize)")
    }
    if t.vocabSize != s.vocabSize || t.family != s.family {
      throw HealError.teacherMismatch(
        detail:
          "\(t.family.displayName) with \(t.vocabSize) tokens, the student \(s.family.displayName) with \(s.vocabSize)"
      )
    }
  }
}

private func allFinite(_ values: [Float]) -> Bool {
  var sum: Float = 0
  for v in values { sum += v * 0 }  // NaN or ±Inf make the sum NaN
  return sum == 0
}

/// A number in four significant digits.
func formatShort(_ x: Double) -> String {
  guard x.isFinite, x != 0 else { return "\(x)" }
  let digits = max(0, 3 - Int(log10(abs(x)).rounded(.down)))
  let scale = pow(10, Double(min(digits, 8)))
  return "\((x * scale).rounded() / scale)"
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
