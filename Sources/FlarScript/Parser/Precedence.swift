/// Binding strength of operators, loosest first (design.md).
///
/// Ranges (`a:b`) are not in design.md's list; they sit between comparisons
/// and `+ -`, as in Julia, so that `0:n-1` means `0:(n-1)` and
/// `i < 0:3` is a comparison with a range.
public enum Precedence: Int, Comparable, Sendable {
  case none
  case pipe  // |>
  case or  // or
  case and  // and
  case not  // not (prefix)
  case comparison  // == != < <= > >=
  case range  // a:b:step
  case term  // + -
  case factor  // * / // %
  case matmul  // @
  case unary  // - (prefix)
  case power  // ^ ** (right-associative)
  case postfix  // calls, .field, [index], .T

  /// The next tighter level, used for the right operand of a left-associative operator.
  public var tighter: Precedence {
    Precedence(rawValue: rawValue + 1) ?? .postfix
  }

  public static func < (a: Precedence, b: Precedence) -> Bool {
    a.rawValue < b.rawValue
  }
}

/// One row of the Pratt table: how a token behaves between two operands.
struct InfixRule {
  /// How tightly the operator binds.
  var precedence: Precedence
  /// The binary operator it builds, when it builds one.
  var binary: BinaryOperator?
}

/// The infix rows of the Pratt table, one per token.
///
/// Prefix behaviour (literals, names, `(`, `[`, `{`, `-`, `not`) is a switch in
/// `Parser+Expressions.swift`, since every prefix form needs its own code.
enum PrattTable {
  static func infixRule(for kind: TokenKind) -> InfixRule? {
    switch kind {
    case .symbol(.pipe): return InfixRule(precedence: .pipe)
    case .keyword(.or): return InfixRule(precedence: .or, binary: .or)
    case .keyword(.and): return InfixRule(precedence: .and, binary: .and)
    case .symbol(.equalEqual):
      return InfixRule(precedence: .comparison, binary: .equal)
    case .symbol(.bangEqual):
      return InfixRule(precedence: .comparison, binary: .notEqual)
    case .symbol(.less):
      return InfixRule(precedence: .comparison, binary: .less)
    case .symbol(.lessEqual):
      return InfixRule(precedence: .comparison, binary: .lessEqual)
    case .symbol(.greater):
      return InfixRule(precedence: .comparison, binary: .greater)
    case .symbol(.greaterEqual):
      return InfixRule(precedence: .comparison, binary: .greaterEqual)
    case .symbol(.colon): return InfixRule(precedence: .range)
    case .symbol(.plus): return InfixRule(precedence: .term, binary: .add)
    case .symbol(.minus): return InfixRule(precedence: .term, binary: .subtract)
    case .symbol(.star):
      return InfixRule(precedence: .factor, binary: .multiply)
    case .symbol(.slash): return InfixRule(precedence: .factor, binary: .divide)
    case .symbol(.slashSlash):
      return InfixRule(precedence: .factor, binary: .floorDivide)
    case .symbol(.percent):
      return InfixRule(precedence: .factor, binary: .modulo)
    case .symbol(.at): return InfixRule(precedence: .matmul, binary: .matmul)
    case .symbol(.caret), .symbol(.starStar):
      return InfixRule(precedence: .power, binary: .power)
    case .symbol(.leftParen), .symbol(.leftBracket), .symbol(.dot):
      return InfixRule(precedence: .postfix)
    default: return nil
    }
  }
}
