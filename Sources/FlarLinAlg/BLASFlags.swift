/// Transposition flag for BLAS calls, internal to the bindings.
///
/// Public entry points take `transposeA:`/`transposeB:` booleans instead.
@usableFromInline
enum Transpose: Sendable { case none, transpose }

/// Which triangle of a symmetric or triangular matrix is referenced.
public enum Triangle: Sendable { case lower, upper }

/// Side of a triangular solve: `op(A) X = B` (`.left`) or `X op(A) = B` (`.right`).
public enum Side: Sendable { case left, right }
