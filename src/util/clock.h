// Wall-clock time as the logs and event records show it, and monotonic time for deadlines.
#pragma once

#include <cstdint>
#include <string>

namespace nucleus::clock {

// "2026-11-29T10:54:25.123456789Z" (RFC 3339, UTC, nanoseconds).
std::string now_rfc3339();

// CLOCK_MONOTONIC in milliseconds.
int64_t monotonic_ms();

}  // namespace nucleus::clock
