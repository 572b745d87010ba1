# SPDX-License-Identifier: BSD-3-Clause
# Drives one `sshotp-enroll enroll --hotp` through a pseudo-terminal (pexpect), as a user adding
# the key to an app in counter mode: the printed key URI must be an otpauth://hotp/ one with
# counter=0 and no period (parsed with urllib); a wrong code is refused; the code pyotp makes at
# counter 1 (an app whose button was pressed twice, inside hotp_window) confirms. The secret is
# written to WORK/USER.key in the private work directory, for the shell test's logins (never to
# argv or stdout). Prints "ok:"/"not ok:" lines; exits 0 only if every check held.
import os
import re
import sys
import urllib.parse

import pexpect
import pyotp

sys.dont_write_bytecode = True  # no __pycache__ in the source tree (distcheck, CI's git status)
import session_common  # noqa: E402
from session_common import PROMPT, check  # noqa: E402

WINDOW = 10  # the hotp_window setting, which the test's config leaves alone


def main():
    args = session_common.enrollment_arguments().parse_args()
    child, screen = session_common.start_enrollment(args, ["--qr=none", "--hotp"])
    found = re.search(r"^Key URI: (otpauth://\S+)$", screen, re.M)
    if not check(found, "the otpauth URI is printed"):
        return 1
    parts = urllib.parse.urlsplit(found.group(1))
    query = urllib.parse.parse_qs(parts.query, strict_parsing=True)
    check(parts.netloc == "hotp", "the URI is otpauth://hotp/", parts.netloc)
    check(query.get("counter") == ["0"], "the URI starts the app at counter=0",
          str(query.get("counter")))
    check("period" not in query, "the URI has no period")
    check("(SHA1, 6 digits, counter-based)" in screen, "the parameters shown say counter-based")
    secret = query.get("secret", [""])[0]
    hotp = pyotp.HOTP(secret)
    near = {hotp.at(counter) for counter in range(WINDOW + 2)}
    child.sendline(next(c for c in (f"{n:06d}" for n in range(10**6)) if c not in near))
    child.expect_exact("not right")
    child.expect_exact(PROMPT)
    child.sendline(hotp.at(1))
    child.expect_exact("is enrolled")
    child.expect(pexpect.EOF)
    child.close()
    check(child.exitstatus == 0, "the code at counter 1 enrolls (exit 0)",
          f"exit {child.exitstatus} signal {child.signalstatus}")
    fd = os.open(os.path.join(args.work, f"{args.user}.key"), os.O_WRONLY | os.O_CREAT, 0o600)
    with os.fdopen(fd, "w") as key:
        key.write(secret + "\n")
    return 1 if session_common.failures else 0


if __name__ == "__main__":
    sys.exit(main())
