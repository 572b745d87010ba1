// SPDX-License-Identifier: BSD-3-Clause
// Issuing and wording a set of recovery codes (see recovery_set.h).
#include "enroll/enrollment/recovery_set.h"

#include <string>

namespace sshotp::cli {
namespace {

void append(SecretString& out, std::string_view text) {
  for (char c : text) out.push_back(c);
}

}  // namespace

Result<RecoverySet> new_recovery_set(const SecureBytes& store_key, std::string_view user,
                                     unsigned count) {
  auto codes = generate_recovery_codes(count);
  if (!codes) return std::move(codes).error();
  RecoverySet set{std::move(codes).value(), {}};
  for (const SecretString& code : set.codes) {
    // The MAC covers the canonical form, which is what a login normalises its input to.
    auto canonical = normalise_recovery_code(code.view());
    if (!canonical) return make_error(Errc::crypto, "a generated recovery code is malformed");
    auto hash = hash_recovery_code(store_key, user, canonical->view());
    if (!hash) return std::move(hash).error();
    set.hashes.push_back(std::move(hash).value());
  }
  return set;
}

SecretString recovery_codes_text(std::string_view user, const std::vector<SecretString>& codes,
                                 CodesLayout layout) {
  SecretString text;
  const bool for_people = layout == CodesLayout::for_people;
  if (for_people) {
    append(text, "New recovery codes for " + std::string(user) +
                     ". Each works once; store them somewhere safe. Previous codes no longer "
                     "work.\n\n");
  }
  for (const SecretString& code : codes) {
    if (for_people) append(text, "    ");
    append(text, code.view());
    append(text, "\n");
  }
  if (for_people) append(text, "\n");
  return text;
}

}  // namespace sshotp::cli
