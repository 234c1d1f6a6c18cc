import FlarCore
import FlarModels

/// Tables of a model's layers and of a compression's decisions.
extension BuiltinFamily {
  static var layersBuiltin: Builtin {
    Builtin(
      "layers",
      Signature([
        .required("model", .handle("model")), .optional("pattern", .string, default: .string("*")),
      ]),
      abstract: "a table of the linear layers matching pattern: name, shape, rank, params, FLOPs",
      discussion: """
        pattern is a glob over layer names ("*.attention.self.*", "encoder.layer.0.*"). The
        table iterates over the names (for name in layers(m) do … end), t["name"] is a row,
        export(t, "layers.csv") writes it. The footer gives the totals of the matched layers;
        the notes say what share of the whole model they are.
        """,
      examples: ["layers(m)", "for name in layers(m, \"*.attention.self.*\") do print(name) end"]
    ) { args, _ in
      let m = try modelArgument(args)
      return .handle(TableHandle(try layersTable(m.model, pattern: try args.string("pattern"))))
    }
  }
}

/// The layer table of `model`.
func layersTable(_ model: EncoderModel, pattern: String = "*") throws -> Table {
  let infos = try model.linearLayers(matching: pattern)
  var table = try Table(
    columns: [
      TableColumn("name"), TableColumn("shape"), TableColumn("rank"), TableColumn("params"),
      TableColumn("flops_per_token"),
    ], title: "linear layers matching \"\(pattern)\"")
  for info in infos {
    try table.append([
      .text(info.name), .text("\(info.outFeatures)x\(info.inFeatures)"),
      info.rank.map { .number(Double($0)) } ?? .text("dense"),
      .number(Double(info.parameterCount)), .number(Double(info.flopsPerToken)),
    ])
  }
  let params = infos.reduce(0) { $0 + $1.parameterCount }
  let flops = infos.reduce(0) { $0 + $1.flopsPerToken }
  let lowRank = infos.filter { $0.rank != nil }.count
  try table.setFooter([
    .text("total (\(infos.count) layers)"), .empty, .text("\(lowRank) low-rank"),
    .number(Double(params)), .number(Double(flops)),
  ])
  table.notes = [
    "these layers hold \(params) of the model's \(model.parameterCount) parameters (\(percent(params, model.parameterCount)))"
  ]
  return table
}

/// The per-layer decisions of a compression.
func compressionTable(_ handle: CompressionHandle) throws -> Table {
  let r = handle.result
  var table = try Table(
    columns: [
      TableColumn("name"), TableColumn("shape"), TableColumn("rank"), TableColumn("searched"),
      TableColumn("lambda"), TableColumn("jitter"),
      TableColumn("evals"), TableColumn("params"),
    ], title: "compression \(r.options.method.rawValue)")
  for o in r.layers {
    let params = o.rank.map { $0 * (o.outFeatures + o.inFeatures) } ?? o.outFeatures * o.inFeatures
    try table.append([
      .text(o.name), .text("\(o.outFeatures)x\(o.inFeatures)"),
      o.rank.map { .number(Double($0)) } ?? .text("dense"),
      o.searchedRank.map { .number(Double($0)) }
        ?? (r.options.method == .flar ? .text("dense") : .empty),
      o.lambda.map(TableCell.number) ?? .empty, o.jitter.map(TableCell.number) ?? .empty,
      .number(Double(o.evaluations)), .number(Double(params + o.outFeatures)),
    ])
  }
  table.notes = [
    r.options.method == .flar
      ? "rank: the final rank (dense: kept dense); searched: what the bisection found before the parameter-target correction"
      : nil,
    "compressed linear layers: \(r.linearParamsAfter) of \(r.linearParamsBefore) parameters (\(percent(r.linearParamsAfter, r.linearParamsBefore)))",
    "whole model: \(r.modelParamsAfter) of \(r.modelParamsBefore) parameters (\(percent(r.modelParamsAfter, r.modelParamsBefore)))",
  ].compactMap { $0 }
  var manifest: [String: JSONValue] = [:]
  for (key, value) in handle.manifest { manifest[key] = .string(value) }
  table.manifest = manifest
  return table
}
