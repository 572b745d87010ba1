// SPDX-License-Identifier: BSD-3-Clause
#include "common/policy.h"

namespace sshotp {

const char* requirement_reason(Requirement r) noexcept {
  switch (r) {
    case Requirement::exempt:
      return "exempt-group";
    case Requirement::not_in_required:
      return "not-in-required-group";
    case Requirement::ask:
      break;
  }
  return "ask";
}

Result<bool> user_in_group(const Account& account, std::string_view group) {
  auto entry = find_group(group);
  if (!entry) return std::move(entry).error();
  if (!entry->has_value()) {
    return make_error(Errc::not_found, "group '" + std::string(group) + "' does not exist");
  }
  return account_in_group(account, (*entry)->gid);
}

namespace {

// require_group: a false "not a member" skips the code, so every source that can say "member"
// is heard (account_or_login_in_group), not just getgrouplist, which drops failing backends.
Result<bool> in_required_group(const Account& account, std::string_view group) {
  auto entry = find_group(group);
  if (!entry) return std::move(entry).error();
  if (!entry->has_value()) {
    return make_error(Errc::not_found, "group '" + std::string(group) + "' does not exist");
  }
  return account_or_login_in_group(account, **entry);
}

}  // namespace

Result<Requirement> code_requirement(const Config& config, const Account& account) {
  if (!config.exempt_group.empty()) {
    // Only the canonical account's own groups exempt: a short list (backend down) or an alias's
    // memberships then at worst ask for a code, the safe side.
    auto exempt = user_in_group(account, config.exempt_group);
    if (!exempt && exempt.error().code != Errc::not_found) {
      return make_error(Errc::unavailable, "exempt_group: " + exempt.error().message);
    }
    if (exempt && *exempt) return Requirement::exempt;
  }
  if (!config.require_group.empty()) {
    auto member = in_required_group(account, config.require_group);
    if (!member) {
      return make_error(Errc::unavailable, "require_group: " + member.error().message);
    }
    if (!*member) return Requirement::not_in_required;
  }
  return Requirement::ask;
}

bool auth_info_has_publickey(std::string_view auth_info) noexcept {
  while (!auth_info.empty()) {
    auto nl = auth_info.find('\n');
    std::string_view line = auth_info.substr(0, nl);
    if (line.starts_with("publickey ")) return true;
    if (nl == std::string_view::npos) break;
    auth_info.remove_prefix(nl + 1);
  }
  return false;
}

}  // namespace sshotp
