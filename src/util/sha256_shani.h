// SHA-256's compression with the x86 SHA extensions (SHA-NI), where the CPU has them: about ten
// times the portable code's speed, which is what a checkpoint's HMAC over its images costs.
#pragma once

#include <cstddef>
#include <cstdint>

namespace nucleus::sha256 {

extern const uint32_t kRoundConstants[64];  // FIPS 180-4 K, in sha256.cc

// Whether this CPU has SHA-NI (and the SSSE3/SSE4.1 it is used with).
bool have_shani();
// Runs `blocks` 64-byte blocks at p through the state h (A..H). Only where have_shani().
void shani_blocks(uint32_t h[8], const uint8_t* p, size_t blocks);

}  // namespace nucleus::sha256
