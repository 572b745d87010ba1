// SPDX-License-Identifier: BSD-3-Clause
#include "common/audit.h"

#include <algorithm>

#include "common/host_name.h"

namespace sshotp {

namespace {

// The one sanitiser: audit values and log lines differ only in whether ' ' and '=' survive.
std::string printable(std::string_view raw, std::size_t max, bool keep_space_and_equals) {
  std::string out;
  out.reserve(std::min(raw.size(), max) + 3);
  for (char c : raw.substr(0, max)) {
    const bool keep =
        (c > 0x20 && c < 0x7f && c != '=') || (keep_space_and_equals && (c == ' ' || c == '='));
    out.push_back(keep ? c : '?');
  }
  if (raw.size() > max) out += "...";
  return out;
}

}  // namespace

std::string audit_value(std::string_view raw) {
  if (raw.empty()) return "-";
  return printable(raw, 64, false);
}

std::string log_text(std::string_view raw, std::size_t max) { return printable(raw, max, true); }

std::string audit_line(const AuditEvent& e) {
  const char* decision = e.ignored ? "ignore" : e.accepted ? "accept" : "deny";
  return std::string("decision=") + decision + " user=" + audit_value(e.user) +
         " rhost=" + audit_value(e.rhost) + " service=" + audit_value(e.service) +
         " method=" + audit_value(e.method) + " reason=" + audit_value(e.reason) +
         " codes_left=" + (e.codes_left < 0 ? std::string("-") : std::to_string(e.codes_left)) +
         " host=" + audit_value(this_host_name());
}

}  // namespace sshotp
