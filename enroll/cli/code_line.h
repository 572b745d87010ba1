// SPDX-License-Identifier: BSD-3-Clause
// Reading the line where a command expects a code (a TOTP, token or recovery code): hidden, at
// most kMaxTypedCode bytes, and the same refusals whichever command asks, so that giving up at
// the prompt or a broken terminal ends every command the same way.
#pragma once

#include <optional>

#include "enroll/cli/exit_status.h"
#include "enroll/cli/session.h"
#include "enroll/cli/terminal.h"

namespace sshotp::cli {

// The line, whose status is ReadStatus::line or ReadStatus::too_long (what an over-long line
// means is the caller's to say). On end of input or an interrupt it refuses ("aborted; nothing
// was changed"), on a read error it fails; either way it sets `stop` and returns nothing.
std::optional<LineRead> read_code_line(Session& session, Terminal& in, std::optional<Exit>& stop);

}  // namespace sshotp::cli
