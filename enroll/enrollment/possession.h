// SPDX-License-Identifier: BSD-3-Clause
// Proof that a caller other than root still holds the factor they are about to replace, before
// `recovery` (new recovery codes) or `enroll` (a new secret) changes anything for them. The code
// they type is checked and consumed exactly as a login does it (verify_and_consume): it cannot
// be replayed, a wrong one counts towards the lockout, and a locked-out or disabled user is
// refused before being asked. Whether a recovery code is proof enough is the command's choice.
#pragma once

#include <optional>

#include "common/config.h"
#include "common/secret.h"
#include "common/store.h"
#include "enroll/cli/exit_status.h"
#include "enroll/cli/session.h"
#include "enroll/cli/terminal.h"

namespace sshotp::cli {

struct ProofRules {
  Terminal::Source source;      // where the code is read, and the prompt written
  bool recovery_code_accepted;  // besides a current TOTP code
};

// Nothing once the caller has proved it; else the exit status the command ends with (the
// refusal has been reported and, for an audited action, logged).
std::optional<Exit> prove_possession(Session& session, const Config& config, Store& store,
                                     const SecureBytes& key, const ProofRules& rules);

}  // namespace sshotp::cli
