// SPDX-License-Identifier: BSD-3-Clause
// Scratch stores for the crash loop and the fuzzers go on a tmpfs when there is one. What those
// tests exercise is process death and hostile bytes, not power loss: the page cache outlives a
// SIGKILL, so fsync (synchronous=FULL on every commit) would only cost time, and on a busy disk
// a lot of it. Honoured only when the caller did not choose a TMPDIR.
#pragma once

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

namespace sshotp::test {

inline void prefer_tmpfs_for_scratch() {
  struct stat st {};
  if (std::getenv("TMPDIR") == nullptr && stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
      access("/dev/shm", W_OK) == 0) {
    setenv("TMPDIR", "/dev/shm", 0);
  }
}

}  // namespace sshotp::test
