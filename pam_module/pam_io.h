// SPDX-License-Identifier: BSD-3-Clause
// The module's two channels to the outside: syslog through pam_syslog (prefixed and tagged
// LOG_AUTHPRIV by libpam), and the conversation with the user through pam_prompt.
#pragma once

#include <security/pam_modules.h>

#include <optional>
#include <string>

#include "common/log.h"
#include "common/secret.h"

namespace sshotp::pam {

class PamLogger final : public Logger {
 public:
  explicit PamLogger(pam_handle_t* pamh) : pamh_(pamh) {}
  void write(int priority, std::string_view message) override;

 private:
  pam_handle_t* pamh_;
};

// One hidden prompt (PAM_PROMPT_ECHO_OFF). Returns the reply, wiped on destruction, or nothing
// if the conversation failed. A NULL reply (possible with some applications) counts as "".
std::optional<SecretString> prompt_hidden(pam_handle_t* pamh, const std::string& prompt);

// A PAM_ERROR_MSG / PAM_TEXT_INFO line, unless the application asked for PAM_SILENT. Under
// OpenSSH < 10.3 sshd shows them before the next prompt, or after authentication as a banner.
void tell_user_error(pam_handle_t* pamh, int flags, const char* message);
void tell_user_info(pam_handle_t* pamh, int flags, const char* message);

// A string item (PAM_RHOST, PAM_SERVICE, ...) or "" when unset.
std::string_view string_item(pam_handle_t* pamh, int item);

}  // namespace sshotp::pam
