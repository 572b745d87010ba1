// SPDX-License-Identifier: BSD-3-Clause
#include "enroll/cli/code_line.h"

#include <cerrno>
#include <cstring>
#include <string>

#include "common/typed_code.h"

namespace sshotp::cli {

std::optional<LineRead> read_code_line(Session& session, Terminal& in, std::optional<Exit>& stop) {
  LineRead line = in.read_line(kMaxTypedCode, /*echo=*/false);
  // The newline the hidden input did not echo, so what follows starts on a line of its own.
  if (!in.input_is_tty()) in.print("\n");
  if (line.status == ReadStatus::end_of_input || line.status == ReadStatus::interrupted ||
      InterruptScope::interrupted()) {
    stop = session.refused(Exit::verification, "aborted", "aborted; nothing was changed");
    return std::nullopt;
  }
  if (line.status == ReadStatus::failed) {
    stop = session.failed(
        make_error(Errc::io, std::string("reading the code: ") + std::strerror(errno)));
    return std::nullopt;
  }
  return line;
}

}  // namespace sshotp::cli
