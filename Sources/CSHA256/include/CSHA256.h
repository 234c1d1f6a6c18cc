// SHA-256's compression function on the x86 SHA extensions, for FlarCore's
// SHA256 (which falls back to its own Swift code where they are missing).
#ifndef FLAR_CSHA256_H
#define FLAR_CSHA256_H

#include <stddef.h>
#include <stdint.h>

/// The round constants K0…K63 (FIPS 180-4 §4.2.2), for both compression
/// functions: this one and FlarCore's Swift one.
extern const uint32_t flar_sha256_k[64];

/// 1 when this CPU has the SHA extensions (and the SSSE3 and SSE4.1 the
/// code also uses), else 0; always 0 off x86-64.
int flar_sha256_hardware_available(void);

/// Compresses `blocks` consecutive 64-byte blocks of `data` into `state`
/// (H0…H7, FIPS 180-4 §6.2.2). Call only when the hardware is available.
void flar_sha256_hardware_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
