// SPDX-License-Identifier: BSD-3-Clause
// Resynchronising a hardware token that has run ahead of the login window (`sshotp-enroll
// resync`): two consecutive codes, searched for within kResyncRange counters of the expected
// one, move the user's counter past the second, in one write transaction, so a resync racing a
// login (or another resync) cannot bring a used code back. RFC 4226 §7.4; pam_oath and LinOTP
// resynchronise the same way.
#pragma once

#include <cstdint>
#include <string_view>

#include "common/lockout.h"
#include "common/result.h"
#include "common/secret.h"
#include "common/store.h"

namespace sshotp {

enum class ResyncOutcome {
  resynced,      // the two codes were found; the counter now follows the second
  not_found,     // no two consecutive codes within reach (or either was used already)
  bad_input,     // either is not a code of the enrollment's length
  not_enrolled,  // no enrollment
  not_counter,   // the enrollment is time-based: there is nothing to resynchronise
  disabled,      // suspended by an admin
  locked,        // the user's own attempt while too many failures lock them out
};

struct ResyncRequest {
  std::string_view user;
  std::string_view first;   // as typed, as a login reads them (a token identifier may lead)
  std::string_view second;  // the code of the next press
  std::int64_t now;
  // The user proving possession for themselves: a lockout refuses them, a miss counts as a
  // failed attempt and a success clears the count, as a login would. Root is not counted.
  bool by_user;
  LockoutPolicy lockout;
};

struct ResyncResult {
  ResyncOutcome outcome = ResyncOutcome::not_found;
  std::int64_t next_counter = 0;  // resynced: the counter the next login expects
};

// Errors are store or crypto failures.
Result<ResyncResult> resync_hotp(Store& store, const SecureBytes& key,
                                 const ResyncRequest& request);

}  // namespace sshotp
