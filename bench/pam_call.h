// SPDX-License-Identifier: BSD-3-Clause
// One measured login step, as sshd performs it for each connection: pam_start_confdir →
// pam_authenticate → pam_end through the real libpam, with a conversation that answers every
// prompt with a prepared code. Plain C types only, so bench/pam_once.cc can use it without
// pulling the C++ runtime into a process that must load modules as cold as sshd does.
#pragma once

#include <cstdint>

namespace sshotp::bench {

struct PamCall {
  const char* confdir;  // a private PAM configuration directory (no /etc/pam.d)
  const char* service;  // the service file in it
  const char* user;
  const char* reply;  // the answer to every prompt; nullptr answers nothing (pam_permit asks none)
};

struct PamCallResult {
  int rc = -1;                   // pam_authenticate's return code (or pam_start's, if that failed)
  std::int64_t nanoseconds = 0;  // CLOCK_MONOTONIC from before pam_start to after pam_end
  int prompts = 0;               // how many questions the module asked
  // pam_start alone, where libpam loads the module and every library it links (cold in pam-once).
  std::int64_t start_nanoseconds = 0;
};

// Not inlined, so callgrind can count exactly this (--toggle-collect='*timed_pam_call*').
PamCallResult timed_pam_call(const PamCall& call) __attribute__((noinline));

}  // namespace sshotp::bench
