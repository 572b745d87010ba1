// SPDX-License-Identifier: BSD-3-Clause
// The lines of a PAM service file in pam.conf(5) syntax, without the service column: type,
// control, module, arguments, assembled and split as libpam does (pam_service_file.cc): "[...]"
// controls may contain spaces, and so may "[...]" arguments; '#' starts a comment that ends the
// line; a line ending in '\' goes on on the next one; "-type" marks a module that may be
// missing; types and controls are case-insensitive (stored in lower case). Shared by the stack
// check (pam_stack_check.h) and by reading pam_sshotp's arguments (module_settings.h), so both see
// the same lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace sshotp::cli {

struct PamLine {
  unsigned number = 0;  // of the line it starts on, counting from 1
  std::string type;     // "auth", "-auth", "account", ...; "@include" lines say "auth"
  std::string control;  // "required", "include", "[success=1 default=ignore]", ...
  std::string module;   // path or name as written; for include/substack, the other service
  std::vector<std::string> args;  // brackets of "[...]" arguments removed

  bool is_auth() const { return type == "auth" || type == "-auth"; }
  bool is_stacked() const { return control == "include" || control == "substack"; }
  // An auth line of pam_sshotp itself (its file name is "pam_sshotp.so", wherever it lives).
  bool is_sshotp_auth() const;
};

// Every line that has a type, a control and a module. "@include NAME" counts as an auth include
// (it pulls in every type, auth among them).
std::vector<PamLine> parse_pam_service(std::string_view text);

// The last path component: "pam_sshotp.so" of "/lib/security/pam_sshotp.so".
std::string_view base_name(std::string_view path);

}  // namespace sshotp::cli
