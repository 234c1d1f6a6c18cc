/// The version of flar, recorded in every manifest and printed by `flar --version`.
public let flarVersion = "0.1.0"
