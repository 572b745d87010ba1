// SPDX-License-Identifier: BSD-3-Clause
// pam_sm_authenticate's body in C++: options, user, store, prompt, verdict, audit line.
#pragma once

#include <security/pam_modules.h>

#include <span>

namespace sshotp::pam {

// May throw (std::bad_alloc, ...); pam_sshotp.cc's guard turns that into a PAM code.
int authenticate(pam_handle_t* pamh, int flags, std::span<const char* const> args);

}  // namespace sshotp::pam
