#ifndef FLAR_CLINALG_SHIM_H
#define FLAR_CLINALG_SHIM_H
#include <cblas.h>
#include <lapacke.h>

/* renameat2 (glibc >= 2.28, Linux >= 3.15) is declared by <stdio.h> only
   under _GNU_SOURCE, which the Swift Glibc module is not built with.
   AtomicDirectory swaps a finished directory with the old one through it. */
int renameat2(int olddirfd, const char *oldpath, int newdirfd,
              const char *newpath, unsigned int flags);
enum { FLAR_RENAME_EXCHANGE = 2 };

#ifdef __GLIBC__
#include <malloc.h>
/* Sets glibc malloc's mmap and trim thresholds (bytes). Fixed values turn off
   glibc's own adjustment of both, which otherwise hands freed heap back to the
   kernel and faults it in again on the next forward pass. */
static inline void flar_set_malloc_thresholds(int mmap_threshold, int trim_threshold) {
  mallopt(M_MMAP_THRESHOLD, mmap_threshold);
  mallopt(M_TRIM_THRESHOLD, trim_threshold);
}
#endif
#endif
