import FlarCore

/// The language's messages use FlarCore's suggestions (one edit distance for
/// every "did you mean" of the project: names, builtins, layers, tensors).
public typealias Suggestion = FlarCore.Suggestion
