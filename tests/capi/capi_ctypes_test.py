#!/usr/bin/env python3
"""The C ABI from Python ctypes through libpiivault.so (cmake/capi_shared.cmake).

Checks that the shared object exports exactly the functions declared in
include/piivault/piivault.h, that the struct layouts in the header are what a
foreign caller reads (piivault_finding, piivault_redaction_report), and that
detect, redact, stream, scrub and the vault work end to end, errors included.

Usage: capi_ctypes_test.py LIBPIIVAULT_SO HEADER WORK_DIR
"""
import ctypes
import os
import re
import shutil
import subprocess
import sys

OK, INVALID_ARGUMENT, FAILED_PRECONDITION, UNAUTHENTICATED, PERMISSION_DENIED = 0, 3, 9, 16, 7


class Finding(ctypes.Structure):
    _fields_ = [("type", ctypes.c_char_p), ("begin", ctypes.c_size_t), ("end", ctypes.c_size_t),
                ("confidence", ctypes.c_float), ("normalized", ctypes.c_char_p),
                ("normalized_len", ctypes.c_size_t), ("validated_by", ctypes.c_char_p),
                ("masked_as", ctypes.c_char_p)]


class Report(ctypes.Structure):
    _fields_ = [("redacted", ctypes.c_uint64), ("below_threshold", ctypes.c_uint64),
                ("allow_listed", ctypes.c_uint64), ("by_operator", ctypes.c_uint64 * 6)]


class ReportV2(ctypes.Structure):
    _fields_ = Report._fields_ + [("numbering_capped", ctypes.c_uint64)]


class Detokenized(ctypes.Structure):
    _fields_ = [("status", ctypes.c_int), ("message", ctypes.c_char_p), ("type", ctypes.c_char_p),
                ("form", ctypes.c_char_p), ("value", ctypes.c_char_p), ("value_len", ctypes.c_size_t),
                ("rule", ctypes.c_char_p)]


failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what, file=sys.stderr)


def main():
    so, header, work = sys.argv[1:4]
    lib = ctypes.CDLL(so)
    vp, sz, cp = ctypes.c_void_p, ctypes.c_size_t, ctypes.c_char_p
    P = ctypes.POINTER
    lib.piivault_version.restype = cp
    lib.piivault_last_error.restype = cp
    lib.piivault_status_name.restype = cp
    lib.piivault_image_format.restype = cp
    lib.piivault_detector_create.argtypes = [vp, P(vp)]
    lib.piivault_detector_scan.argtypes = [vp, cp, sz, P(P(Finding)), P(sz)]
    lib.piivault_findings_free.argtypes = [P(Finding)]
    lib.piivault_detector_free.argtypes = [vp]
    lib.piivault_redactor_options_create.argtypes = [P(vp)]
    lib.piivault_redactor_options_set_policy_toml.argtypes = [vp, cp, sz, cp]
    lib.piivault_redactor_options_free.argtypes = [vp]
    lib.piivault_redactor_create.argtypes = [vp, vp, P(vp)]
    lib.piivault_redactor_free.argtypes = [vp]
    lib.piivault_redact.argtypes = [vp, cp, sz, P(vp), P(sz), P(Report)]
    lib.piivault_buffer_free.argtypes = [vp]
    lib.piivault_redact_stream_create.argtypes = [vp, ctypes.c_int, P(vp)]
    lib.piivault_redact_stream_write.argtypes = [vp, cp, sz, P(vp), P(sz)]
    lib.piivault_redact_stream_finish.argtypes = [vp, P(vp), P(sz), P(Report)]
    lib.piivault_redact_v2.argtypes = [vp, cp, sz, P(vp), P(sz), P(ReportV2)]
    lib.piivault_redact_stream_free.argtypes = [vp]
    lib.piivault_image_scrub.argtypes = [cp, sz, ctypes.c_uint32, P(vp), P(sz)]
    lib.piivault_vault_init.argtypes = [cp, cp, sz]
    lib.piivault_vault_open.argtypes = [cp, cp, cp, ctypes.c_uint32, P(vp)]
    lib.piivault_vault_close.argtypes = [vp]
    lib.piivault_vault_tokenize.argtypes = [vp, cp, P(cp), P(sz), sz, cp, cp, P(P(cp))]
    lib.piivault_tokens_free.argtypes = [P(cp)]
    lib.piivault_vault_detokenize.argtypes = [vp, P(cp), P(sz), sz, cp, cp, P(P(Detokenized))]
    lib.piivault_detokenized_free.argtypes = [P(Detokenized)]

    # Exports: exactly the header's functions.
    declared = set(re.findall(r"\b(piivault_[a-z0-9_]+)\(", open(header, encoding="utf-8").read()))
    nm = shutil.which("nm")
    if nm:
        out = subprocess.run([nm, "-D", "--defined-only", so], capture_output=True, text=True,
                             check=True).stdout
        exported = {line.split()[-1] for line in out.splitlines() if " T " in line}
        check(exported == declared, "exports differ from the header: extra %s, missing %s" %
              (sorted(exported - declared), sorted(declared - exported)))
        check(all(n.startswith("piivault_") for n in exported), "non-piivault symbol exported")

    check(lib.piivault_version() == b"0.1.0" or re.match(rb"\d+\.\d+\.\d+$", lib.piivault_version()),
          "version")
    check(lib.piivault_status_name(UNAUTHENTICATED) == b"UNAUTHENTICATED", "status name")

    # Detect.
    det = vp()
    check(lib.piivault_detector_create(None, ctypes.byref(det)) == OK, "detector_create")
    text = "客户手机号13812345678，身份证11010519491231002X".encode()
    found, n = P(Finding)(), sz()
    check(lib.piivault_detector_scan(det, text, len(text), ctypes.byref(found), ctypes.byref(n)) == OK,
          "scan")
    got = [(found[i].type, text[found[i].begin:found[i].end], found[i].normalized,
            found[i].normalized_len, found[i].validated_by) for i in range(n.value)]
    check(got == [(b"CN_MOBILE", b"13812345678", b"13812345678", 11, found[0].validated_by),
                  (b"CN_RESIDENT_ID", b"11010519491231002X", b"11010519491231002X", 18, b"gb11643")],
          "findings through ctypes: %r" % (got,))
    lib.piivault_findings_free(found)
    check(lib.piivault_detector_scan(None, text, 1, ctypes.byref(found), ctypes.byref(n))
          == INVALID_ARGUMENT, "scan NULL detector")
    check(b"detector is NULL" in lib.piivault_last_error(), "last error")

    # Redact: policy errors, whole buffer, stream.
    opts = vp()
    check(lib.piivault_redactor_options_create(ctypes.byref(opts)) == OK, "options")
    bad = b'[defaults]\noperator = "shred"\n'
    check(lib.piivault_redactor_options_set_policy_toml(opts, bad, len(bad), b"py.toml")
          == INVALID_ARGUMENT, "bad policy")
    check(lib.piivault_last_error().startswith(b"py.toml:2"), "policy error names file:line")
    good = b'[defaults]\noperator = "label"\n'
    check(lib.piivault_redactor_options_set_policy_toml(opts, good, len(good), None) == OK, "policy")
    red = vp()
    check(lib.piivault_redactor_create(det, opts, ctypes.byref(red)) == OK, "redactor_create")
    lib.piivault_redactor_options_free(opts)
    # numbering_capped only in the _v2 report (v1's layout is frozen).
    check(ctypes.sizeof(Report) == 72 and ctypes.sizeof(ReportV2) == 80, "report sizes")
    numbered = b'[defaults]\noperator = "label"\nnumbered_labels = true\nmax_numbered_values = 1\n'
    nopts, nred = vp(), vp()
    check(lib.piivault_redactor_options_create(ctypes.byref(nopts)) == OK, "options 2")
    check(lib.piivault_redactor_options_set_policy_toml(nopts, numbered, len(numbered), None) == OK,
          "numbered policy")
    check(lib.piivault_redactor_create(det, nopts, ctypes.byref(nred)) == OK, "redactor 2")
    lib.piivault_redactor_options_free(nopts)
    three = "手机13812345678，备用13912345678，家里15012345678".encode()
    out, out_len, report2 = vp(), sz(), ReportV2()
    check(lib.piivault_redact_v2(nred, three, len(three), ctypes.byref(out), ctypes.byref(out_len),
                                 ctypes.byref(report2)) == OK, "redact_v2")
    got = ctypes.string_at(out, out_len.value)
    lib.piivault_buffer_free(out)
    check(got == "手机<CN_MOBILE_1>，备用<CN_MOBILE>，家里<CN_MOBILE>".encode(), "v2 output %r" % got)
    check(report2.redacted == 3 and report2.by_operator[2] == 3 and report2.numbering_capped == 2,
          "v2 report: redacted %d capped %d" % (report2.redacted, report2.numbering_capped))
    lib.piivault_redactor_free(nred)
    lib.piivault_detector_free(det)  # the redactor keeps it alive
    out, out_len, report = vp(), sz(), Report()
    check(lib.piivault_redact(red, text, len(text), ctypes.byref(out), ctypes.byref(out_len),
                              ctypes.byref(report)) == OK, "redact")
    whole = ctypes.string_at(out, out_len.value)
    lib.piivault_buffer_free(out)
    check(whole == "客户手机号<CN_MOBILE>，身份证<CN_RESIDENT_ID>".encode(), "redacted %r" % whole)
    check(report.redacted == 2 and report.by_operator[2] == 2, "report")
    stream = vp()
    check(lib.piivault_redact_stream_create(red, 1, ctypes.byref(stream)) == OK, "stream")
    streamed = b""
    for i in range(0, len(text), 5):
        part, plen = vp(), sz()
        check(lib.piivault_redact_stream_write(stream, text[i:i + 5], len(text[i:i + 5]),
                                               ctypes.byref(part), ctypes.byref(plen)) == OK, "write")
        streamed += ctypes.string_at(part, plen.value)
        lib.piivault_buffer_free(part)
    part, plen = vp(), sz()
    check(lib.piivault_redact_stream_finish(stream, ctypes.byref(part), ctypes.byref(plen), None)
          == OK, "finish")
    streamed += ctypes.string_at(part, plen.value)
    lib.piivault_buffer_free(part)
    check(lib.piivault_redact_stream_finish(stream, ctypes.byref(part), ctypes.byref(plen), None)
          == FAILED_PRECONDITION, "finish twice")
    lib.piivault_redact_stream_free(stream)
    check(streamed == whole, "stream == whole")
    lib.piivault_redactor_free(red)

    # Image.
    check(lib.piivault_image_format(b"\x89PNG\r\n\x1a\n", 8) == b"png", "image format")
    check(lib.piivault_image_scrub(b"nope", 4, 0, ctypes.byref(out), ctypes.byref(out_len))
          == INVALID_ARGUMENT, "scrub garbage")

    # Vault: wrong key, tokenize, detokenize per purpose.
    vdir = os.path.join(work, "vault")
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    policy = (b'version = 1\n[[rules]]\nname = "m"\nfields = ["CN_MOBILE"]\n'
              b'purposes = ["account_security"]\nprincipals = ["*"]\ndecision = "plaintext"\n')
    check(lib.piivault_vault_init(vdir.encode(), policy, len(policy)) == OK, "vault_init")
    vault = vp()
    check(lib.piivault_vault_open(vdir.encode(), b"1" * 64, None, 1, ctypes.byref(vault))
          == UNAUTHENTICATED, "wrong key")
    check(b"1111" not in lib.piivault_last_error(), "key not quoted")
    check(lib.piivault_vault_open(vdir.encode(), None, None, 1, ctypes.byref(vault)) == OK, "open")
    values = (cp * 1)(b"13812345678")
    tokens = P(cp)()
    check(lib.piivault_vault_tokenize(vault, b"CN_MOBILE", values, None, 1, None, b"py",
                                      ctypes.byref(tokens)) == OK, "tokenize")
    results = P(Detokenized)()
    for purpose, want_status, want_value in ((b"account_security", OK, b"13812345678"),
                                             (b"marketing", PERMISSION_DENIED, b"")):
        check(lib.piivault_vault_detokenize(vault, tokens, None, 1, purpose, b"py",
                                            ctypes.byref(results)) == OK, "detokenize")
        check(results[0].status == want_status and results[0].value == want_value,
              "detokenize %s: %d %r" % (purpose, results[0].status, results[0].value))
        lib.piivault_detokenized_free(results)
    lib.piivault_tokens_free(tokens)
    lib.piivault_vault_close(vault)
    shutil.rmtree(work, ignore_errors=True)

    if failures:
        print("%d check(s) failed" % len(failures), file=sys.stderr)
        return 1
    print("ctypes: libpiivault.so OK (%d exported functions)" % len(declared))
    return 0


if __name__ == "__main__":
    sys.exit(main())
