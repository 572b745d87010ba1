// SPDX-License-Identifier: BSD-3-Clause
#include "common/policy.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <vector>

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

Result<bool> user_in_group(std::string_view user, std::string_view group) {
  const std::string group_name(group);
  const std::string user_name(user);
  std::vector<char> buf(16384);
  struct group gr {};
  struct group* gr_found = nullptr;
  if (getgrnam_r(group_name.c_str(), &gr, buf.data(), buf.size(), &gr_found) != 0 ||
      gr_found == nullptr) {
    return make_error(Errc::not_found, "group '" + group_name + "' does not exist");
  }
  const gid_t wanted = gr.gr_gid;

  std::vector<char> pwbuf(16384);
  struct passwd pw {};
  struct passwd* pw_found = nullptr;
  if (getpwnam_r(user_name.c_str(), &pw, pwbuf.data(), pwbuf.size(), &pw_found) != 0 ||
      pw_found == nullptr) {
    return false;
  }
  int count = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(count));
  if (getgrouplist(user_name.c_str(), pw.pw_gid, groups.data(), &count) < 0) {
    groups.resize(static_cast<std::size_t>(count));
    if (getgrouplist(user_name.c_str(), pw.pw_gid, groups.data(), &count) < 0) {
      return make_error(Errc::unavailable, "cannot list the groups of '" + user_name + "'");
    }
  }
  groups.resize(static_cast<std::size_t>(count));
  for (gid_t g : groups) {
    if (g == wanted) return true;
  }
  return false;
}

Result<Requirement> code_requirement(const Config& config, std::string_view user) {
  if (!config.exempt_group.empty()) {
    auto exempt = user_in_group(user, config.exempt_group);
    if (exempt && *exempt) return Requirement::exempt;
  }
  if (!config.require_group.empty()) {
    auto member = user_in_group(user, config.require_group);
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
