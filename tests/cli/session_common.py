# SPDX-License-Identifier: BSD-3-Clause
# What the pexpect drivers of `sshotp-enroll enroll` share (enroll_session.py,
# qr_image_session.py, selfservice_session.py, hotp_enroll_session.py): the code prompt, check()
# with its count of failed checks, the options of a driver that runs a root enrollment, and
# starting one up to its first prompt. Not a test itself.
import argparse

import pexpect

PROMPT = "Code from your authenticator app: "

failures = 0  # read it as session_common.failures: check() rebinds it


def check(condition, what, detail=""):
    global failures
    if condition:
        print(f"  ok: {what}")
    else:
        failures += 1
        print(f"  not ok: {what}" + (f" ({detail})" if detail else ""))
    return condition


def enrollment_arguments():
    """A parser with the options every root-enrollment driver takes; the caller adds its own."""
    ap = argparse.ArgumentParser()
    for option in ("--enroll", "--config", "--user", "--issuer", "--work"):
        ap.add_argument(option, required=True)
    return ap


def start_enrollment(args, options):
    """Runs `ENROLL --config CONFIG enroll OPTIONS... USER` on a pseudo-terminal up to the code
    prompt; returns the child and what the screen showed so far, with "\\n" line ends."""
    argv = ["--config", args.config, "enroll", *options, args.user]
    child = pexpect.spawn(args.enroll, argv, encoding="utf-8", timeout=30, dimensions=(60, 200))
    child.expect_exact(PROMPT)
    return child, child.before.replace("\r\n", "\n")
