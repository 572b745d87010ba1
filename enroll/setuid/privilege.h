// SPDX-License-Identifier: BSD-3-Clause
// sshotp-enroll installed setuid root, the passwd(1) model: users enroll themselves while the
// key file and the store stay root's. Whoever runs a setuid program controls its environment,
// file descriptors, signals, limits and scheduling, so secure_start() takes all of that back
// before anything else runs, and then drops to the invoking user. The process acts as that user
// by default and as root only inside an Elevated scope, which cli/settings.cc,
// cli/store_access.cc and elevated_store.cc open around the settings, the key file and every
// store call (see "SECURITY MODEL" in sshotp-enroll(8) for the whole threat model).
//
// Without setuid (root running it, or a user running an unprivileged copy) all of this is a
// no-op apart from making sure descriptors 0-2 are open.
#pragma once

#include <sys/types.h>

namespace sshotp::cli {

// First thing in main(), before anything reads the environment, opens a file or allocates much.
// Ends the process (exit status 1) if it cannot make the process safe, which includes leaving
// any cgroup the caller controls whenever it has root (setuid, or run by root).
void secure_start();

// Whether the process has privileges its caller lacks (real uid != effective uid at start).
bool running_setuid() noexcept;

// The real uid at start: who is calling, whatever the current credentials are.
uid_t invoking_uid() noexcept;

// While alive, a setuid process runs as root (real, effective and saved uid, and the gids when
// root, so no user can signal it and what it creates is root:root) with every signal it can
// block blocked (no stop while it holds the store's write lock), and outside every cgroup its
// caller controls (cgroup_guard.h: left on entry to the outermost scope, and gone back to when
// it ends, so the caller's limits and session apply whenever the process acts as them). Scopes
// nest. Failing to switch in either direction, or to leave such a cgroup, ends the process at
// once: carrying on as the wrong user is never right.
class Elevated {
 public:
  Elevated();
  ~Elevated();
  Elevated(const Elevated&) = delete;
  Elevated& operator=(const Elevated&) = delete;
};

}  // namespace sshotp::cli
