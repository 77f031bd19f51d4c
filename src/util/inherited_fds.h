// The descriptors this process started with: --preserve-fds N passes 3..3+N-1 on, which must
// have been open from the start (not ones nucleus itself opened since, at the lowest free
// numbers). Noted first thing in main().
#pragma once

namespace nucleus::inherited_fds {

// Records how many consecutive descriptors from 3 are open. Call before anything is opened.
void note() noexcept;
// The first descriptor from 3 that was not open at note() (3 when none was).
int end() noexcept;

}  // namespace nucleus::inherited_fds
