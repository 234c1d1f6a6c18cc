// The Linux system calls that Glibc's Swift module leaves out, declared by
// CLinAlg's shim and wrapped once here, so that the C module stays behind
// FlarLinAlg's binding files (BLAS.swift, LAPACK.swift and this one).

import CLinAlg

#if canImport(Glibc)
import Glibc
#endif

/// Swaps the entries at paths `a` and `b` in one atomic step; 0 on success,
/// else -1 with `errno` set (`EINVAL` where the file system cannot exchange).
///
/// The corresponding C call is `renameat2(AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE)`.
func exchangePaths(_ a: String, _ b: String) -> Int32 {
  renameat2(AT_FDCWD, a, AT_FDCWD, b, UInt32(FLAR_RENAME_EXCHANGE))
}
