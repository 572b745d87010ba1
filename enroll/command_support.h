// SPDX-License-Identifier: BSD-3-Clause
// What the sshotp-enroll commands share: the steps every command starts with (options, who
// acts on whom, settings, the store), and saving an enrollment with its first recovery codes.
// The order inside every command is the same: parse and validate the arguments, check who may
// act on whom, load the settings, read any input, and only then open the key and the store.
// Numbers and typed codes are read by common/text.h and common/typed_code.h, as in the module.
#pragma once

#include <getopt.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/config.h"
#include "common/result.h"
#include "common/secret.h"
#include "common/store.h"
#include "common/totp.h"
#include "enroll/cli.h"
#include "enroll/context.h"

namespace sshotp::cli {

// "SHA1, 6 digits, 30 seconds".
std::string describe_params(const TotpParams& params);

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

// Seals `secret` for `user` and stores it as their enrollment, with a fresh set of
// `recovery_codes` codes, in one transaction: the previous enrollment and codes are replaced
// together or not at all. last_step -1 means no code has been used yet. `also`, if given, runs
// first in the same transaction (checks and changes that must commit with it; an error rolls
// everything back). Returns the codes to show.
using InTransaction = std::function<Status(StoreTransaction& txn)>;
Result<std::vector<SecretString>> save_enrollment(const WritableStore& target,
                                                  const std::string& user, const TotpParams& params,
                                                  const SecureBytes& secret, std::int64_t last_step,
                                                  unsigned recovery_codes,
                                                  const InTransaction& also = {});

// Writes `text` to standard output after whatever stdio has buffered there.
void print_secret(const SecretString& text);

}  // namespace sshotp::cli
