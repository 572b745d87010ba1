// SPDX-License-Identifier: BSD-3-Clause
// The steps every sshotp-enroll command starts with: its options, who acts on whom, the
// settings, and (for commands that never create one) the existing store.
// The order inside every command is the same: parse and validate the arguments, check who may
// act on whom, load the settings, read any input, and only then open the key and the store.
// Numbers and typed codes are read by common/text.h and common/typed_code.h, as in the module.
#pragma once

#include <getopt.h>

#include <memory>
#include <optional>

#include "common/config.h"
#include "common/store.h"
#include "enroll/cli/config_location.h"
#include "enroll/cli/exit_status.h"
#include "enroll/cli/options.h"
#include "enroll/cli/session.h"
#include "enroll/cli/settings.h"

namespace sshotp::cli {

// The command line a command was given: the global --config and its own argv.
struct Invocation {
  const ConfigLocation& where;
  int argc;
  char** argv;
};

// The long options of a command that has none of its own (only --help), and a handler for them.
extern const struct option kHelpOnly[];
std::optional<Exit> no_options(int option, const char* value);

// A command under way: who acts on whom, and the settings.
struct Started {
  Session session;
  Config config;
};

// Parses the command's options (handing them to `handle`), resolves and checks the user
// (start_session) and loads the config. On failure it has reported why and set `early`.
std::optional<Started> start(const Action& action, ConfigUse use, const Invocation& invocation,
                             const struct option* long_options, const OptionHandler& handle,
                             Exit& early);

// A started command on the existing store, for commands that never create one.
struct ReadyStore {
  Session session;
  Config config;
  std::unique_ptr<Store> store;  // null: no store file yet, so nobody is enrolled
};

std::optional<ReadyStore> prepare(const Action& action, const Invocation& invocation, Exit& early,
                                  const struct option* long_options = kHelpOnly,
                                  const OptionHandler& handle = no_options);

// Reports that the user has no enrollment; Exit::not_enrolled, result=not-enrolled.
Exit refuse_not_enrolled(Session& session);

}  // namespace sshotp::cli
