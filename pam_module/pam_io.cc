// SPDX-License-Identifier: BSD-3-Clause
#include "pam_module/pam_io.h"

#include <security/pam_ext.h>

#include <cstdlib>
#include <cstring>
#include <memory>

#include "common/audit.h"

namespace sshotp::pam {
namespace {

// Conversation replies are malloc'd by the application and hold the typed code: wipe, then free
// (Linux-PAM's pam_drop_response).
struct WipeFree {
  void operator()(char* p) const noexcept {
    if (p == nullptr) return;
    secure_wipe(p, std::strlen(p));
    std::free(p);
  }
};

}  // namespace

void PamLogger::write(int priority, std::string_view message) {
  // The message is data, never a format string. Sanitised here, once for every line: error
  // messages from the core may quote the user name sshd passed, or a value from the store.
  const std::string line = log_text(message);
  pam_syslog(pamh_, priority, "%s", line.c_str());
}

std::optional<SecretString> prompt_hidden(pam_handle_t* pamh, const std::string& prompt) {
  char* raw = nullptr;
  int rc = pam_prompt(pamh, PAM_PROMPT_ECHO_OFF, &raw, "%s", prompt.c_str());
  std::unique_ptr<char, WipeFree> reply(raw);
  if (rc != PAM_SUCCESS) return std::nullopt;
  if (!reply) return SecretString();
  // Bound what we copy: PAM caps replies at 512 bytes, but an application need not.
  std::size_t len = strnlen(reply.get(), 4096);
  return SecretString(std::string_view(reply.get(), len));
}

void tell_user_error(pam_handle_t* pamh, int flags, const char* message) {
  if ((static_cast<unsigned>(flags) & PAM_SILENT) == 0) pam_error(pamh, "%s", message);
}

void tell_user_info(pam_handle_t* pamh, int flags, const char* message) {
  if ((static_cast<unsigned>(flags) & PAM_SILENT) == 0) pam_info(pamh, "%s", message);
}

std::string_view string_item(pam_handle_t* pamh, int item) {
  const void* value = nullptr;
  if (pam_get_item(pamh, item, &value) != PAM_SUCCESS || value == nullptr) return {};
  return static_cast<const char*>(value);
}

}  // namespace sshotp::pam
