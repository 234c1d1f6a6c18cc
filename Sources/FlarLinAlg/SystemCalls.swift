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

/// Keeps freed heap memory in the process for the next allocation of the
/// same size, instead of returning it to the kernel; call it once, first
/// thing, in an executable.
///
/// A forward pass allocates and frees matrices of a few megabytes per layer
/// ((N, H), (N, I), the Q/K/V block). glibc's malloc serves those from
/// `mmap` at first, then raises its mmap threshold and trims the top of the
/// heap whenever twice that much is free, so every pass faults the same
/// pages in again (zeroed by the kernel): about 5 % of a 50 % MiniLM pass in
/// a profile. Fixed thresholds — blocks under 32 MiB from the heap, the heap
/// trimmed only above 128 MiB free — keep the pages. Elsewhere than glibc
/// it does nothing.
public func keepFreedHeapForReuse() {
  #if canImport(Glibc)
  flar_set_malloc_thresholds(32 << 20, 128 << 20)
  #endif
}
