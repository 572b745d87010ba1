// SPDX-License-Identifier: BSD-3-Clause
#include "common/audit.h"

namespace sshotp {

std::string audit_value(std::string_view raw) {
  constexpr std::size_t kMax = 64;
  if (raw.empty()) return "-";
  std::string out;
  for (char c : raw.substr(0, kMax)) {
    bool printable = c > 0x20 && c < 0x7f && c != '=';
    out.push_back(printable ? c : '?');
  }
  if (raw.size() > kMax) out += "...";
  return out;
}

std::string audit_line(const AuditEvent& e) {
  const char* decision = e.ignored ? "ignore" : e.accepted ? "accept" : "deny";
  return std::string("decision=") + decision +
         " user=" + audit_value(e.user) + " rhost=" + audit_value(e.rhost) +
         " service=" + audit_value(e.service) + " method=" + audit_value(e.method) +
         " reason=" + audit_value(e.reason) +
         " codes_left=" + (e.codes_left < 0 ? std::string("-") : std::to_string(e.codes_left));
}

}  // namespace sshotp
