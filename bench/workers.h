// SPDX-License-Identifier: BSD-3-Clause
// P forked worker processes (as sshd forks one per connection), all released at once by closing
// a pipe they wait on, and waited for; the wall time from the release to the last exit. What
// they find out they leave in shared memory (mmap MAP_SHARED) that the caller set up.
#pragma once

#include <functional>

namespace sshotp::bench {

// Runs body(w) in worker process w, for w in [0, workers); returns the seconds they took.
double run_released_workers(int workers, const std::function<void(int)>& body);

}  // namespace sshotp::bench
