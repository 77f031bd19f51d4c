// Long-lived helper processes (the detached monitor) give back what start-up touched.
#pragma once

namespace nucleus::memory {

// Returns free heap to the kernel and drops this process's mappings of its own read-only code
// and data pages (MADV_DONTNEED on the executable's non-writable mappings): the pages stay in
// the page cache and fault back in when used, so only what the monitor loop runs stays resident.
void release_startup_pages();

}  // namespace nucleus::memory
