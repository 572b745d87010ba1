# SPDX-License-Identifier: BSD-3-Clause
# Drives `sshotp-enroll enroll --qr-png FILE --qr-svg FILE` through a pseudo-terminal (pexpect)
# and checks the image files against independent oracles while the command waits for a code:
#   * both files exist, are regular files of mode 0600, and were not there before;
#   * the PNG is 1-bit greyscale, 8 px per module with a 4-module quiet zone: exactly as wide as
#     `qrencode -t PNG -l M -s 8 -m 4` draws the same URI (same QR version), and zbarimg decodes
#     it to exactly the URI printed on the screen;
#   * the SVG is rendered by librsvg (rsvg-convert, a real SVG engine) and that rendering too
#     decodes to the URI; it has crispEdges, a white background and a single black path.
# Scenarios:
#   confirm  type the right code (pyotp): exit 0, and the files stay.
#   abort    close the input at the prompt: exit 3, and the files are removed again.
# Secrets never appear in argv: qrencode reads the URI on stdin; zbarimg and rsvg-convert read
# files in the private work directory. Prints "ok:"/"not ok:" lines; exits 0 only if every check
# held.
import os
import re
import stat
import struct
import subprocess
import sys
import time

import pexpect

sys.dont_write_bytecode = True  # no __pycache__ in the source tree (distcheck, CI's git status)
import session_common  # noqa: E402  (check(), which counts failures; starting the enrollment)
from enroll_session import check_uri  # noqa: E402
from session_common import check  # noqa: E402

SCALE = 8
QUIET_ZONE = 4


def png_header(data):
    """(width, height, bit depth, colour type) from a PNG's IHDR chunk, or None."""
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return None
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    return width, height, depth, colour


def decode(path):
    out = subprocess.run(["zbarimg", "-q", "--raw", path], capture_output=True, check=False)
    return out.stdout.decode("utf-8", "replace").strip()


def check_png(path, uri, work):
    with open(path, "rb") as f:
        ours = f.read()
    reference_path = os.path.join(work, "qrencode.png")
    subprocess.run(["qrencode", "-t", "PNG", "-l", "M", "-s", str(SCALE), "-m", str(QUIET_ZONE),
                    "-o", reference_path], input=uri.encode(), check=True)
    with open(reference_path, "rb") as f:
        reference = png_header(f.read())
    os.unlink(reference_path)
    header = png_header(ours)
    check(header is not None and header[2:] == (1, 0), "the PNG is 1-bit greyscale", str(header))
    check(header is not None and reference is not None and header[:2] == reference[:2],
          "the PNG is as large as qrencode draws it (8 px/module, 4-module quiet zone)",
          f"{header} vs {reference}")
    decoded = decode(path)
    check(decoded == uri, "the PNG decodes (zbarimg) to the printed URI",
          "decoded something else" if decoded else "nothing decoded")


def check_svg(path, uri, work):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    check('shape-rendering="crispEdges"' in text, "the SVG asks for crisp edges")
    check(len(re.findall(r"<path ", text)) == 1 and 'fill="#000000"' in text,
          "the SVG draws the modules as one black path")
    check(re.search(r'<rect [^>]*fill="#ffffff"', text) is not None, "the SVG has a white background")
    rendered = os.path.join(work, "rendered.png")
    subprocess.run(["rsvg-convert", "--format=png", "-o", rendered, path], check=True)
    decoded = decode(rendered)
    os.unlink(rendered)
    check(decoded == uri, "the SVG, rendered by rsvg-convert, decodes to the printed URI",
          "decoded something else" if decoded else "nothing decoded")


def check_private_file(path, what):
    info = os.lstat(path)
    check(stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600,
          f"the {what} is a regular file of mode 0600", oct(info.st_mode))


def main():
    ap = session_common.enrollment_arguments()
    ap.add_argument("--png", required=True)
    ap.add_argument("--svg", required=True)
    ap.add_argument("--scenario", required=True, choices=["confirm", "abort"])
    args = ap.parse_args()

    check(not os.path.lexists(args.png) and not os.path.lexists(args.svg),
          "the image files do not exist beforehand")
    child, screen = session_common.start_enrollment(
        args, ["--qr=none", "--qr-png", args.png, "--qr-svg", args.svg])
    uri, totp = check_uri(screen, args.user, args.issuer)
    if not uri:
        return 1
    check(f"The QR code is also in {args.png} (mode 0600)" in screen and
          f"The QR code is also in {args.svg} (mode 0600)" in screen,
          "the screen names both files")
    check_private_file(args.png, "PNG")
    check_private_file(args.svg, "SVG")
    check_png(args.png, uri, args.work)
    check_svg(args.svg, uri, args.work)

    if args.scenario == "confirm":
        child.sendline(totp.at(time.time()))
        child.expect_exact("is enrolled")
        child.expect(pexpect.EOF)
        child.close()
        check(child.exitstatus == 0, "the right code enrolls (exit 0)", f"exit {child.exitstatus}")
        check(os.path.exists(args.png) and os.path.exists(args.svg),
              "the files stay once the key is saved")
    else:
        child.sendeof()
        child.expect(pexpect.EOF)
        child.close()
        check(child.exitstatus == 3, "EOF at the prompt exits 3", f"exit {child.exitstatus}")
        check(not os.path.lexists(args.png) and not os.path.lexists(args.svg),
              "the files of the unsaved key are removed")
    return 1 if session_common.failures else 0


if __name__ == "__main__":
    sys.exit(main())
