// What the student is compared with: the teacher's outputs, computed
// without gradients, and the held-out loss that picks the best state.
//
// Legend: B sentences of a batch, N packed tokens, H hidden.

import FlarCore
import FlarLinAlg

/// The teacher's side of the loss of each batch.
struct TeacherTargets {
  var loss: HealingLoss
  var teacher: EncoderModel?
  /// cos: the teacher's normalised embedding of every item, (count, H),
  /// computed once for the whole run.
  var embeddings: Matrix<Float>?

  /// Computes the teacher's embeddings for `cos`, checking `cancellation`
  /// before each batch: Ctrl-C during this pass (several seconds on 4096 sentences) stops `heal`
  /// before its first step with `CancelledError`, the models untouched.
  init(
    loss: HealingLoss, teacher: EncoderModel?, data: Healer.Data, batchSize: Int,
    cancellation: Cancellation? = nil
  ) throws {
    self.loss = loss
    self.teacher = loss == .contrastive ? nil : teacher
    precondition(loss == .contrastive || teacher != nil, "distillation needs a teacher")
    if loss == .cos, let teacher {
      embeddings = try teacher.embed(
        TokenBatch(sequences: data.first, paddingId: data.paddingId), batchSize: batchSize,
        cancellation: cancellation)
    }
  }

  /// The teacher's embeddings of `indices`, (B, H).
  func embeddings(of indices: [Int]) -> Matrix<Float> {
    let e = embeddings!
    var out = Matrix<Float>(rows: indices.count, columns: e.columns)
    for (row, i) in indices.enumerated() {
      out.storage.replaceSubrange(
        (row * e.columns)..<((row + 1) * e.columns),
        with: e.storage[(i * e.columns)..<((i + 1) * e.columns)])
    }
    return out
  }

  /// The loss of one batch for `model`: cos against the cached teacher
  /// embeddings, mse against the teacher's states of this batch (one
  /// forward pass), or the model's own contrastive loss.
  func lossFunction(for model: EncoderModel, indices: [Int], batch: TokenBatch) throws
    -> HiddenStateLossFunction
  {
    switch loss {
    case .cos:
      let target = CosineDistillationLoss(teacher: embeddings(of: indices))
      return try model.embeddingLoss { target.valueAndGradient($0) }
    case .mse:
      let target = HiddenStateMSELoss(teacher: try teacher!.lastHiddenState(batch))
      return { x, _ in target.valueAndGradient(x) }
    case .contrastive:
      return try model.embeddingLoss { MultipleNegativesRankingLoss().valueAndGradient($0) }
    }
  }
}

/// The loss on the held-out items, forward passes only.
struct HeldOutEvaluator {
  var data: Healer.Data
  var chunks: [[Int]]
  var loss: HealingLoss
  var targets: TeacherTargets
  /// mse: the teacher's states of each chunk, computed once.
  var teacherStates: [Matrix<Float>] = []

  init(
    data: Healer.Data, indices: [Int], batchSize: Int, loss: HealingLoss,
    targets: TeacherTargets
  ) throws {
    self.data = data
    self.loss = loss
    self.targets = targets
    chunks = EncoderModel.fisherBatches(count: indices.count, size: max(2, batchSize)).map {
      Array(indices[$0])
    }
    if loss == .mse {
      teacherStates = try chunks.map { try targets.teacher!.lastHiddenState(data.batch($0)) }
    }
  }

  /// The mean loss over the held-out items (for contrastive, the mean of
  /// the chunks' losses weighted by their sizes).
  func loss(of model: EncoderModel) throws -> Double {
    var sum = 0.0
    var count = 0.0
    for (c, chunk) in chunks.enumerated() {
      let batch = data.batch(chunk)
      switch loss {
      case .cos:
        let e = try model.embed(batch, batchSize: batch.count)
        let v = CosineDistillationLoss(teacher: targets.embeddings(of: chunk)).valueAndGradient(e)
        sum += v.value * Double(chunk.count)
        count += Double(chunk.count)
      case .mse:
        let x = try model.lastHiddenState(batch)
        let v = HiddenStateMSELoss(teacher: teacherStates[c]).valueAndGradient(x)
        sum += v.value * Double(x.count)
        count += Double(x.count)
      case .contrastive:
        let e = try model.embed(batch, batchSize: batch.count)
        sum += MultipleNegativesRankingLoss().valueAndGradient(e).value * Double(chunk.count)
        count += Double(chunk.count)
      }
    }
    return sum / max(count, 1)
  }
}
