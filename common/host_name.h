// SPDX-License-Identifier: BSD-3-Clause
// This host's name as the fleet's audit trail records it: the store's last_host of a user (set by
// each login that consumes a code) and the host= field of the module's syslog line, so that
// either tells which of many hosts sharing one store a login was on. It is gethostname(), read
// once per process; there is no setting for it (tests give each "host" a UTS namespace).
#pragma once

#include <string>

namespace sshotp {

// At most 255 bytes, only printable ASCII (anything else becomes '?'); "unknown" if the kernel
// has none.
const std::string& this_host_name();

}  // namespace sshotp
