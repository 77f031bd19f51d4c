// Test-only crash injection: NUCLEUS_TEST_ABORT_AT=<step> SIGKILLs the process that reaches
// the named step, so tests can prove that every step leaves a state `ps` reads truthfully and
// `rm -f` / `gc` clean up.
#pragma once

namespace nucleus::container {

void abort_point(const char* step);

}  // namespace nucleus::container
