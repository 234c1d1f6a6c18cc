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
#endif
