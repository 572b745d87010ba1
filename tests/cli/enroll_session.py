# SPDX-License-Identifier: BSD-3-Clause
# Drives one interactive `sshotp-enroll enroll` through a pseudo-terminal (pexpect) and checks
# what a user would see and what ends up in the store, with independent oracles:
#   * the otpauth:// URI is parsed with urllib, the code computed with pyotp;
#   * the QR code we draw must equal `qrencode -t <same style> -l M -m 4` for the same URI, and
#     our drawing, turned back into an image, must decode (zbarimg) to exactly that URI;
#   * the store is read independently of the CLI (store_rows.py: Python's sqlite3, or psql).
# Scenarios:
#   confirm    send a wrong code (refused; the store still has no row for the user meanwhile),
#              then the right one: exit 0, last_step is the step of the confirming code, and
#              only now are the recovery codes shown (as many as the store holds, all unused).
#   exhaust    three wrong codes: exit 3, the user's row and codes (if any) are unchanged.
#   eof        close the input at the prompt: exit 3, the user's row and codes are unchanged.
#   interrupt  press Ctrl-C at the prompt: exit 3, the user's row and codes are unchanged.
# No recovery code may appear on the screen in any scenario but after a successful confirm.
# Secrets never appear in argv: qrencode reads the URI on stdin, zbarimg reads a file in the
# private work directory. Prints "ok:"/"not ok:" lines; exits 0 only if every check held.
import base64
import hashlib
import os
import re
import subprocess
import sys
import time
import urllib.parse

import pexpect
import pyotp

sys.dont_write_bytecode = True  # no __pycache__ in the source tree (distcheck, CI's git status)
import session_common  # noqa: E402
from session_common import PROMPT, check  # noqa: E402
from store_rows import codes_of, row_of  # noqa: E402
# "default" passes no --qr option: the default style must be the forced-colour one.
QRENCODE_TYPE = {"default": "ANSI256UTF8", "ansi": "ANSI256UTF8", "utf8": "UTF8",
                 "invert": "UTF8i", "none": None}
DIGESTS = {"SHA1": hashlib.sha1, "SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
# (top half drawn, bottom half drawn) for each half-block glyph.
GLYPHS = {" ": (False, False), "\u2580": (True, False), "\u2584": (False, True),
          "\u2588": (True, True)}
SGR = re.compile(r"\x1b\[[0-9;]*m")
CODE_CHAR = "[0-9a-hjkmnp-tv-z]"  # Crockford base32, lower case
RECOVERY_CODE = re.compile(rf"\b{CODE_CHAR}{{4}}-{CODE_CHAR}{{4}}-{CODE_CHAR}{{4}}\b")
SHOWN_CODE = re.compile(rf"^    ({RECOVERY_CODE.pattern})$", re.M)
RECOVERY_HEADER = ("New recovery codes for {user}. Each works once; store them somewhere safe. "
                   "Previous codes no longer work.")
DEFAULT_RECOVERY_CODES = 10  # the recovery_codes setting, which the tests' configs leave alone

def check_recovery_codes(tail, db, user):
    """After a confirmed enrollment: the header, then exactly the new set, all unused."""
    check(RECOVERY_HEADER.format(user=user) in tail, "the recovery codes are explained")
    shown = SHOWN_CODE.findall(tail)
    check(len(shown) == DEFAULT_RECOVERY_CODES and len(set(shown)) == len(shown),
          f"{DEFAULT_RECOVERY_CODES} distinct recovery codes are shown", f"{len(shown)} shown")
    rows = codes_of(db, user)
    check(len(rows) == len(shown) and all(row[3] is None for row in rows),
          "the store holds as many unused codes as were shown", f"{len(rows)} rows")


def type_right_code(child, totp, db, user):
    """Types the current code; once the process has exited 0, checks the stored last step and the
    recovery codes shown, and returns what the screen showed after the code."""
    sent_at = time.time()
    child.sendline(totp.at(sent_at))
    child.expect_exact("is enrolled")
    child.expect(pexpect.EOF)
    tail = child.before.replace("\r\n", "\n")
    child.close()
    check(child.exitstatus == 0, "the right code enrolls (exit 0)",
          f"exit {child.exitstatus} signal {child.signalstatus}")
    row = row_of(db, user)
    step = int(sent_at) // totp.interval
    check(row is not None and row[4] == step,
          "last_step is the confirming code's step, so it cannot log in again",
          f"row {row[4] if row else None} vs step {step}")
    check_recovery_codes(tail, db, user)
    return tail


def qr_block(screen):
    """The lines between the 'Scan this QR code' heading (plus a blank line) and the next blank."""
    lines = screen.split("\n")
    for i, line in enumerate(lines):
        if line.startswith("Scan this QR code"):
            block = []
            for qr_line in lines[i + 2:]:
                if qr_line == "":
                    break
                block.append(qr_line)
            return block
    return None


def decode_drawing(block, style, work):
    """Turns our half-block drawing back into a greyscale image and asks zbarimg to read it."""
    light_is_drawn = style != "invert"
    rows = []
    for line in block:
        cells = [GLYPHS[ch] for ch in SGR.sub("", line)]
        for half in (0, 1):
            rows.append([cell[half] == light_is_drawn for cell in cells])
    scale = 4
    width, height = len(rows[0]) * scale, len(rows) * scale
    pixels = bytearray()
    for row in rows:
        line = b"".join((b"\xff" if light else b"\x00") * scale for light in row)
        pixels += line * scale
    path = os.path.join(work, "drawn-qr.pgm")
    with open(path, "wb") as f:
        f.write(b"P5\n%d %d\n255\n" % (width, height) + bytes(pixels))
    try:
        out = subprocess.run(["zbarimg", "-q", "--raw", path], capture_output=True, check=False)
    finally:
        os.unlink(path)
    return out.stdout.decode("utf-8", "replace").strip()


def check_qr(screen, uri, style, work):
    block = qr_block(screen)
    if style == "none":
        check(block is None, "--qr=none prints no QR code")
        return
    if not check(block, "a QR code is printed"):
        return
    drawn = "".join(line + "\n" for line in block)
    reference = subprocess.run(
        ["qrencode", "-t", QRENCODE_TYPE[style], "-l", "M", "-m", "4", "-o", "-"],
        input=uri.encode(), capture_output=True, check=True).stdout.decode("utf-8")
    check(drawn == reference, f"QR drawing equals qrencode -t {QRENCODE_TYPE[style]}",
          f"{len(drawn)} vs {len(reference)} characters")
    decoded = decode_drawing(block, style, work)
    check(decoded == uri, "QR drawing decodes (zbarimg) to the printed URI",
          "decoded something else" if decoded else "nothing decoded")


def check_uri(screen, user, issuer):
    """Parses the printed URI; returns it and a pyotp.TOTP built from its parameters alone."""
    found = re.search(r"^Key URI: (otpauth://\S+)$", screen, re.M)
    if not check(found, "the otpauth URI is printed"):
        return None, None
    uri = found.group(1)
    parts = urllib.parse.urlsplit(uri)
    query = urllib.parse.parse_qs(parts.query, strict_parsing=True)
    label = urllib.parse.unquote(parts.path.lstrip("/"))
    secret = query.get("secret", [""])[0]
    check(parts.scheme == "otpauth" and parts.netloc == "totp", "URI is otpauth://totp/")
    check(label == f"{issuer}:{user}", "URI label is ISSUER:USER", label)
    check(query.get("issuer") == [issuer], "URI issuer parameter matches", str(query.get("issuer")))
    check(len(base64.b32decode(secret + "=" * (-len(secret) % 8))) == 20, "secret is 160 bits")
    manual = re.search(r"by hand.*:\n\n {4}([A-Z2-7 ]+)\n", screen)
    check(manual and manual.group(1).replace(" ", "") == secret,
          "the key for manual entry (groups of four) equals the URI secret")
    algorithm = query.get("algorithm", ["SHA1"])[0]
    digits = int(query.get("digits", ["6"])[0])
    period = int(query.get("period", ["30"])[0])
    check(f"time-based, {algorithm}, {digits} digits, {period} seconds)" in screen,
          "the parameters shown match the URI")
    return uri, pyotp.TOTP(secret, digits=digits, digest=DIGESTS[algorithm], interval=period)


def wrong_code_for(totp):
    """A well-formed code that matches no step near now."""
    now = time.time()
    near = {totp.at(now + k * totp.interval) for k in range(-3, 4)}
    candidate = int(totp.now())
    while f"{candidate:0{totp.digits}d}" in near:
        candidate = (candidate + 123457) % 10**totp.digits
    return f"{candidate:0{totp.digits}d}"


def main():
    ap = session_common.enrollment_arguments()
    ap.add_argument("--db", required=True)
    ap.add_argument("--qr", required=True, choices=sorted(QRENCODE_TYPE))
    ap.add_argument("--scenario", required=True,
                    choices=["confirm", "exhaust", "eof", "interrupt"])
    args = ap.parse_args()

    before = row_of(args.db, args.user)
    codes_before = codes_of(args.db, args.user)
    qr_option = [] if args.qr == "default" else ["--qr=" + args.qr]
    child, screen = session_common.start_enrollment(args, qr_option)
    check(not RECOVERY_CODE.search(screen), "no recovery code is shown before a code is typed")
    check(f"Enrolling {args.user} for {args.issuer}." in screen, "greeting names user and issuer")
    uri, totp = check_uri(screen, args.user, args.issuer)
    if uri:
        check_qr(screen, uri, args.qr, args.work)

    if args.scenario == "confirm" and totp:
        child.sendline(wrong_code_for(totp))
        child.expect_exact("not right")
        child.expect_exact(PROMPT)
        check(not RECOVERY_CODE.search(child.before), "no recovery code after a wrong code")
        check(row_of(args.db, args.user) == before and codes_of(args.db, args.user) == codes_before,
              "a wrong code stores nothing")
        status = subprocess.run([args.enroll, "--config", args.config, "status", args.user],
                                capture_output=True, check=False)
        check(status.returncode == 5, "status says not enrolled while the code is pending",
              f"exit {status.returncode}")
        type_right_code(child, totp, args.db, args.user)
    elif args.scenario == "exhaust" and totp:
        for attempt in range(3):
            if attempt:  # the first prompt was already read above
                child.expect_exact(PROMPT)
            child.sendline(wrong_code_for(totp))
            child.expect_exact("not right")
        child.expect(pexpect.EOF)
        child.close()
        check(child.exitstatus == 3, "three wrong codes exit 3", f"exit {child.exitstatus}")
        check(not RECOVERY_CODE.search(child.before), "no recovery code is shown")
        check(row_of(args.db, args.user) == before and codes_of(args.db, args.user) == codes_before,
              "the store is unchanged")
    elif args.scenario in ("eof", "interrupt"):
        if args.scenario == "eof":
            child.sendeof()
        else:
            child.sendintr()
        child.expect(pexpect.EOF)
        child.close()
        check(child.exitstatus == 3, f"{args.scenario} at the prompt exits 3",
              f"exit {child.exitstatus} signal {child.signalstatus}")
        check(before is not None and codes_before, "there was an enrollment to protect")
        check(not RECOVERY_CODE.search(child.before), "no recovery code is shown")
        check(row_of(args.db, args.user) == before and codes_of(args.db, args.user) == codes_before,
              "the previous enrollment and its recovery codes are untouched")
    return 1 if session_common.failures else 0


if __name__ == "__main__":
    sys.exit(main())
