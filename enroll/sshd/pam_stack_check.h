// SPDX-License-Identifier: BSD-3-Clause
// A look at the PAM service file sshd runs for keyboard-interactive (/etc/pam.d/sshd): the
// drop-in only makes sshd ask PAM; whether PAM asks for a code, and for nothing else, is up to
// that file. Two mistakes are common: pam_sshotp is not in the auth stack at all, or the stock
// password module is still there (Debian's "@include common-auth", Fedora's "auth substack
// password-auth", a plain pam_unix line), so users are asked for their password as well.
#pragma once

#include <string>
#include <vector>

namespace sshotp::cli {

// Warnings about `path`, one sentence each; empty when the auth stack looks right.
std::vector<std::string> check_pam_service(const std::string& path);

}  // namespace sshotp::cli
