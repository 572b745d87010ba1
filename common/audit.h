// SPDX-License-Identifier: BSD-3-Clause
// The one log line written per login decision. Its format is documented (pam_sshotp(8), README
// "Audit log") and stable, so fail2ban filters and SIEM rules can rely on it:
//   decision=deny user=alice rhost=192.0.2.7 service=sshd method=totp reason=wrong codes_left=-
// decision is accept, deny or ignore (the module stepped aside: nullok, group policy);
// codes_left is the number of unused recovery codes after one was accepted, else "-".
// Values are sanitised (no spaces, no control bytes, bounded length) because the user name and
// rhost come from the network. No code or secret is ever part of a line.
#pragma once

#include <string>
#include <string_view>

namespace sshotp {

struct AuditEvent {
  bool accepted = false;
  std::string_view user;
  std::string_view rhost;
  std::string_view service;
  std::string_view method;  // "totp", or "none" when no code was checked
  std::string_view reason;  // outcome_reason(), or "store-error", "conv-error", ...
  bool ignored = false;     // the module returned PAM_IGNORE
  long codes_left = -1;     // recovery codes left after using one; -1 prints "-"
};

std::string audit_line(const AuditEvent& event);

// Replaces anything outside printable ASCII (and spaces, '=') with '?', caps the length at 64;
// an empty value becomes "-".
std::string audit_value(std::string_view raw);

// The same rule for a whole log line, which keeps its spaces and '=': any byte outside printable
// ASCII becomes '?' and the text is cut at `max` bytes (marked "..."). Every line the module and
// the CLI send to syslog goes through it, because error messages can carry a user name from the
// network or a value from the store, and a newline or terminal escape must not forge a line.
std::string log_text(std::string_view raw, std::size_t max = 1024);

}  // namespace sshotp
