#ifndef FLAR_CLINALG_SHIM_H
#define FLAR_CLINALG_SHIM_H
#include <cblas.h>
#include <lapacke.h>
#endif
