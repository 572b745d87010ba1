# SPDX-License-Identifier: BSD-3-Clause
# One login through the real libpam and the built module, the way sshd would ask for a code:
# pam_start_confdir() with a private service directory (Debian 12's libpam has it), a
# conversation that answers the hidden prompt with the first line of standard input, then
# pam_authenticate(). The code is read from stdin so it never appears in argv. Prints the PAM
# result and any message the module showed, and exits with the PAM return code itself (0
# PAM_SUCCESS, 7 PAM_AUTH_ERR, 9 PAM_AUTHINFO_UNAVAIL, 11 PAM_MAXTRIES, ...), so a shell test
# can compare exact codes, and how long libpam took, from pam_start to pam_end (took_ms: N), so
# a test can bound the login without python's own start-up. Exits 99 if libpam cannot even
# start.
# Usage: pam_login.py CONFDIR SERVICE USER <code
import ctypes
import os
import sys
import time

# In a sanitizer build (SANITIZER_PRELOAD set by `make check`) the module needs the sanitizer
# runtime loaded before anything else in this process: start again with it preloaded. Leak
# checking is off here: python never frees much of its own memory, and every leak report would
# have a python frame in it, so the module's leaks cannot be told apart (the module tests, whose
# programs are sanitized, check those). A report of any other kind exits 1, which no caller
# expects as a PAM code.
_preload = os.environ.get("SANITIZER_PRELOAD", "")
_inherited = os.environ.get("LD_PRELOAD", "")
# tests/support/with_nss.sh may have put the runtime first already, leaks still to switch off.
if _preload and "detect_leaks=0" not in os.environ.get("ASAN_OPTIONS", ""):
    if not _inherited.startswith(_preload):
        os.environ["LD_PRELOAD"] = f"{_preload} {_inherited}".strip()  # the runtime comes first
    os.environ["ASAN_OPTIONS"] = ":".join(
        option for option in (os.environ.get("ASAN_OPTIONS"), "detect_leaks=0") if option)
    os.execv(sys.executable, [sys.executable] + sys.argv)

PAM_PROMPT_ECHO_OFF, PAM_PROMPT_ECHO_ON, PAM_ERROR_MSG, PAM_TEXT_INFO = 1, 2, 3, 4
PAM_SUCCESS, PAM_CONV_ERR = 0, 19


class PamMessage(ctypes.Structure):
    _fields_ = [("msg_style", ctypes.c_int), ("msg", ctypes.c_char_p)]


class PamResponse(ctypes.Structure):
    _fields_ = [("resp", ctypes.c_void_p), ("resp_retcode", ctypes.c_int)]


CONV_FUNC = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int,
                             ctypes.POINTER(ctypes.POINTER(PamMessage)),
                             ctypes.POINTER(ctypes.POINTER(PamResponse)), ctypes.c_void_p)


class PamConv(ctypes.Structure):
    _fields_ = [("conv", CONV_FUNC), ("appdata_ptr", ctypes.c_void_p)]


# The process's own malloc family (CDLL(None)), not libc's by name: libpam frees the responses
# with whatever free() the process uses, which a sanitizer preloaded above replaces.
libc = ctypes.CDLL(None)
libc.calloc.restype = ctypes.c_void_p
libc.calloc.argtypes = [ctypes.c_size_t, ctypes.c_size_t]
libc.strdup.restype = ctypes.c_void_p
libc.strdup.argtypes = [ctypes.c_char_p]
libpam = ctypes.CDLL("libpam.so.0")
libpam.pam_start_confdir.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(PamConv),
                                     ctypes.c_char_p, ctypes.POINTER(ctypes.c_void_p)]
libpam.pam_authenticate.argtypes = [ctypes.c_void_p, ctypes.c_int]
libpam.pam_end.argtypes = [ctypes.c_void_p, ctypes.c_int]
libpam.pam_strerror.argtypes = [ctypes.c_void_p, ctypes.c_int]
libpam.pam_strerror.restype = ctypes.c_char_p


def make_conversation(answer):
    """Answers every prompt with `answer` and prints what the module tells the user."""
    def conversation(count, messages, responses, _appdata):
        # libpam frees the replies (and each resp) with free(): they must come from malloc.
        replies = libc.calloc(count, ctypes.sizeof(PamResponse))
        if not replies:
            return PAM_CONV_ERR
        reply_array = ctypes.cast(replies, ctypes.POINTER(PamResponse))
        for i in range(count):
            message = messages[i].contents
            text = (message.msg or b"").decode("utf-8", "replace")
            if message.msg_style in (PAM_PROMPT_ECHO_OFF, PAM_PROMPT_ECHO_ON):
                print(f"prompt: {text}")
                reply_array[i].resp = libc.strdup(answer)
            else:
                kind = "error" if message.msg_style == PAM_ERROR_MSG else "info"
                print(f"{kind}: {text}")
        responses[0] = reply_array
        return PAM_SUCCESS
    return CONV_FUNC(conversation)


def main():
    if len(sys.argv) != 4:
        print("usage: pam_login.py CONFDIR SERVICE USER <code", file=sys.stderr)
        return 99
    confdir, service, user = (arg.encode() for arg in sys.argv[1:])
    answer = sys.stdin.readline().rstrip("\n").encode()
    callback = make_conversation(answer)  # kept referenced until pam_end
    conv = PamConv(callback, None)
    handle = ctypes.c_void_p()
    started = time.monotonic()
    rc = libpam.pam_start_confdir(service, user, ctypes.byref(conv), confdir,
                                  ctypes.byref(handle))
    if rc != PAM_SUCCESS:
        print(f"pam_start_confdir failed: {rc}", file=sys.stderr)
        return 99
    rc = libpam.pam_authenticate(handle, 0)
    print(f"result: {rc} {libpam.pam_strerror(handle, rc).decode()}")
    libpam.pam_end(handle, rc)
    print(f"took_ms: {round((time.monotonic() - started) * 1000)}")
    return rc


if __name__ == "__main__":
    sys.exit(main())
