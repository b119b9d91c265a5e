#!/usr/bin/env python3
"""End-to-end checks of `piivault scan` (registered by cli_scan.cmake).

Usage: cli_scan_check.py CASE PIIVAULT SOURCE_DIR WORK_DIR

Every case runs the built CLI, checks the exit code, that stdout is one JSON
object per line of the documented shape, that spans are sorted,
non-overlapping and inside the record's text, and case-specific findings.
Prints what failed and exits 1; exits 0 when the case passed.
"""

import json
import os
import subprocess
import sys

TYPES = {
    "CN_RESIDENT_ID", "CN_PASSPORT", "CN_HK_MACAU_PERMIT", "CN_TAIWAN_PERMIT",
    "CN_USCC", "CN_ORG_CODE", "CN_BUSINESS_REG_NO", "CN_ACCOUNT_PERMIT",
    "BANK_CARD", "CN_MOBILE", "CN_LANDLINE", "CN_PLATE", "EMAIL", "IPV4",
    "IPV6", "MAC_ADDRESS", "IMEI", "MEID", "DEVICE_ID", "QQ", "WECHAT_ID",
    "PERSON_NAME", "ADDRESS", "DATE_OF_BIRTH", "GEO_COORD", "MASKED", "CUSTOM",
}

# A value that must never reach stderr (it is in the malformed input).
SECRET = "13812345678"

failures = []


def fail(msg):
    failures.append(msg)


def run(cli, args, stdin=None):
    proc = subprocess.run([cli, "scan"] + args, input=stdin,
                          capture_output=True, timeout=120, check=False)
    return proc.returncode, proc.stdout, proc.stderr


def parse_lines(stdout):
    records = []
    text = stdout.decode("utf-8")  # output must be valid UTF-8
    for i, line in enumerate(text.split("\n")):
        if line == "" and i == len(text.split("\n")) - 1:
            continue
        try:
            rec = json.loads(line)
        except ValueError as e:
            fail(f"output line {i + 1} is not JSON: {e}")
            continue
        if not isinstance(rec, dict) or not isinstance(rec.get("spans"), list):
            fail(f"output line {i + 1} has no spans array")
            continue
        records.append(rec)
    return records


def check_spans(rec, texts, show_values):
    """texts: field path (or None) -> bytes of the scanned text."""
    last_end = {}
    for s in rec["spans"]:
        keys = set(s)
        allowed = {"start", "end", "type", "confidence", "field", "masked_as",
                   "value"}
        if not keys <= allowed or not {"start", "end", "type",
                                      "confidence"} <= keys:
            fail(f"span keys {sorted(keys)}")
            continue
        if s["type"] not in TYPES:
            fail(f"unknown type {s['type']}")
        if not 0 <= s["confidence"] <= 1:
            fail(f"confidence {s['confidence']}")
        if ("value" in s) != show_values:
            fail("value printed without --show-values" if not show_values
                 else "value missing with --show-values")
        field = s.get("field")
        if field not in texts:
            fail(f"span field {field!r} not among scanned fields "
                 f"{sorted(map(str, texts))}")
            continue
        text = texts[field]
        if not 0 <= s["start"] < s["end"] <= len(text):
            fail(f"span {s['start']}..{s['end']} outside text of "
                 f"{len(text)} bytes")
            continue
        if s["start"] < last_end.get(field, 0):
            fail(f"spans unsorted or overlapping at {s['start']}")
        last_end[field] = s["end"]
        if show_values:
            want = text[s["start"]:s["end"]].decode("utf-8", "replace")
            if s["value"] != want:
                fail(f"value does not match bytes {s['start']}..{s['end']}")


def find_span(rec, text, typ, value, exact=True, field=None):
    """The span of `typ` matching `value`'s bytes in text (exactly, or
    overlapping when exact=False)."""
    vb = value.encode("utf-8")
    start = text.find(vb)
    if start < 0:
        fail(f"test bug: {value!r} not in text")
        return False
    end = start + len(vb)
    for s in rec["spans"]:
        if s["type"] != typ or s.get("field") != field:
            continue
        if exact and (s["start"], s["end"]) == (start, end):
            return True
        if not exact and s["start"] < end and start < s["end"]:
            return True
    return False


def expect_found(rec, text, typ, value, exact=True, field=None):
    if not find_span(rec, text, typ, value, exact, field):
        fail(f"{typ} not found {'exactly ' if exact else ''}at "
             f"{value!r} (field {field}); spans={rec['spans']}")


def expect_nothing_at(rec, text, value, field=None):
    vb = value.encode("utf-8")
    start = text.find(vb)
    end = start + len(vb)
    for s in rec["spans"]:
        if s.get("field") == field and s["start"] < end and start < s["end"]:
            fail(f"look-alike {value!r} reported as {s['type']}")


def transcript_expectations(rec, text, field=None):
    expect_found(rec, text, "CN_USCC", "91110108MA01ABCD5T", field=field)
    expect_found(rec, text, "CN_RESIDENT_ID", "11010519491231002X",
                 field=field)
    expect_found(rec, text, "CN_MOBILE", "13812345678", field=field)
    expect_found(rec, text, "BANK_CARD", "6222 0252 6018 1590 832",
                 field=field)
    expect_found(rec, text, "EMAIL", "wang.jianguo@example.com", field=field)
    expect_found(rec, text, "CN_PASSPORT", "E12345678", field=field)
    expect_found(rec, text, "CN_LANDLINE", "010-62345678", exact=False,
                 field=field)
    expect_found(rec, text, "MASKED", "138****5678", exact=False, field=field)
    expect_found(rec, text, "CN_MOBILE", "一三八 幺二三四 五六七八",
                 exact=False, field=field)
    expect_nothing_at(rec, text, "2024031409170012345", field=field)
    expect_nothing_at(rec, text, "128.50", field=field)


def case_text(cli, src, work):
    path = os.path.join(src, "examples", "transcript.txt")
    text = open(path, "rb").read()
    for args in ([path], ["--show-values", path]):
        rc, out, err = run(cli, args)
        if rc != 0:
            fail(f"exit {rc} for {args}: {err!r}")
            return
        recs = parse_lines(out)
        if len(recs) != 1:
            fail(f"{len(recs)} output lines for one file")
            return
        if recs[0].get("file") != path:
            fail("file key missing or wrong")
        check_spans(recs[0], {None: text}, "--show-values" in args)
        transcript_expectations(recs[0], text)
    # Values never appear without --show-values.
    rc, out, _ = run(cli, [path])
    if b"13812345678" in out or "王建国".encode() in out:
        fail("a value appears in output without --show-values")
    # Two files -> two lines; stdin -> one line without "file".
    rc, out, err = run(cli, [path, path])
    if rc != 0 or len(parse_lines(out)) != 2:
        fail(f"two files: exit {rc}, want two lines")
    rc, out, err = run(cli, [], stdin=text)
    recs = parse_lines(out)
    if rc != 0 or len(recs) != 1 or "file" in recs[0]:
        fail(f"stdin: exit {rc}, records {recs}")
    elif recs:
        check_spans(recs[0], {None: text}, False)
        transcript_expectations(recs[0], text)
    # --types filters, --threshold 1 keeps only certain findings.
    rc, out, err = run(cli, ["--types", "CN_MOBILE, EMAIL", path])
    recs = parse_lines(out)
    if rc != 0 or not recs:
        fail(f"--types: exit {rc}")
    else:
        got = {s["type"] for s in recs[0]["spans"]}
        if not got or not got <= {"CN_MOBILE", "EMAIL"}:
            fail(f"--types CN_MOBILE,EMAIL gave {sorted(got)}")
    rc, out, err = run(cli, ["--threshold", "1", path])
    recs = parse_lines(out)
    if rc != 0 or not recs:
        fail(f"--threshold 1: exit {rc}")
    elif any(s["confidence"] < 1 for s in recs[0]["spans"]):
        fail("--threshold 1 let lower-confidence findings through")


def load_jsonl(src):
    path = os.path.join(src, "examples", "transcript.jsonl")
    return path, [json.loads(line) for line in open(path, encoding="utf-8")]


def case_jsonl(cli, src, work):
    path, rows = load_jsonl(src)
    rc, out, err = run(cli, ["--jsonl", "--show-values", path])
    if rc != 0:
        fail(f"exit {rc}: {err!r}")
        return
    recs = parse_lines(out)
    if len(recs) != len(rows):
        fail(f"{len(recs)} output lines for {len(rows)} records")
        return
    whole = b""
    for i, (rec, row) in enumerate(zip(recs, rows)):
        if rec.get("line") != i + 1 or rec.get("file") != path:
            fail(f"record {i + 1}: line/file keys {rec.get('line')}, "
                 f"{rec.get('file')}")
        if any("field" in s for s in rec["spans"]):
            fail("field key with a single, non-array field")
        text = row["text"].encode("utf-8")
        check_spans(rec, {None: text}, True)
    by_line = {i: (rec, rows[i]["text"].encode()) for i, rec in
               enumerate(recs)}
    expect_found(*by_line[1], "CN_USCC", "91110108MA01ABCD5T")
    expect_found(*by_line[2], "CN_RESIDENT_ID", "11010519491231002X")
    expect_found(*by_line[3], "CN_MOBILE", "13812345678")
    expect_found(*by_line[4], "BANK_CARD", "6222 0252 6018 1590 832")
    expect_found(*by_line[5], "EMAIL", "wang.jianguo@example.com")
    expect_found(*by_line[8], "CN_PASSPORT", "E12345678")
    expect_nothing_at(*by_line[6], "2024031409170012345")
    del whole


def case_jsonl_fields(cli, src, work):
    path, rows = load_jsonl(src)
    rc, out, err = run(cli, ["--jsonl", "--field", "text", "--field",
                             "meta.agent_note", "--field",
                             "attachments[].caption", path])
    if rc != 0:
        fail(f"exit {rc}: {err!r}")
        return
    recs = parse_lines(out)
    if len(recs) != len(rows):
        fail(f"{len(recs)} output lines for {len(rows)} records")
        return
    for rec, row in zip(recs, rows):
        texts = {"text": row["text"].encode()}
        if "meta" in row:
            texts["meta.agent_note"] = row["meta"]["agent_note"].encode()
        for j, a in enumerate(row.get("attachments", [])):
            texts[f"attachments[{j}].caption"] = a["caption"].encode()
        for s in rec["spans"]:
            if "field" not in s:
                fail("span without field when several fields are scanned")
                s["field"] = "text"
        check_spans(rec, texts, False)
    expect_found(recs[3], rows[3]["meta"]["agent_note"].encode(), "CN_MOBILE",
                 "139 1234 5670", field="meta.agent_note")
    expect_found(recs[5], rows[5]["attachments"][1]["caption"].encode(),
                 "CN_RESIDENT_ID", "11010519491231002X",
                 field="attachments[1].caption")
    expect_found(recs[2], rows[2]["text"].encode(), "CN_RESIDENT_ID",
                 "11010519491231002X", field="text")


def case_bad_input(cli, src, work):
    os.makedirs(work, exist_ok=True)
    bad = os.path.join(work, "bad.jsonl")
    with open(bad, "w", encoding="utf-8") as f:
        f.write('{"text":"ok"}\n')
        f.write('{"text":"手机' + SECRET + '"\n')  # unterminated object
    rc, out, err = run(cli, ["--jsonl", bad])
    if rc != 1:
        fail(f"malformed JSON: exit {rc}, want 1")
    msg = err.decode("utf-8", "replace")
    if SECRET in msg or "手机" in msg:
        fail("error message quotes the input")
    if ":2:" not in msg or msg.count("\n") != 1:
        fail(f"want one line naming line 2, got {msg!r}")
    if len(parse_lines(out)) != 1:
        fail("the good record before the bad one was not written")
    # Not an object.
    rc, out, err = run(cli, ["--jsonl"], stdin=b'["' + SECRET.encode()
                       + b'"]\n')
    if rc != 1 or SECRET.encode() in err:
        fail(f"non-object record: exit {rc}, stderr {err!r}")
    # A field that is an object, not text.
    rc, out, err = run(cli, ["--jsonl", "--field", "meta"],
                       stdin=b'{"meta":{"phone":"' + SECRET.encode() + b'"}}')
    if rc != 1 or SECRET.encode() in err:
        fail(f"object field: exit {rc}, stderr {err!r}")
    # Invalid UTF-8 inside a JSON string is an input error too.
    rc, out, err = run(cli, ["--jsonl"], stdin=b'{"text":"\xff\xfe"}\n')
    if rc != 1:
        fail(f"invalid UTF-8 JSON: exit {rc}")
    # Missing file.
    rc, out, err = run(cli, [os.path.join(work, "does-not-exist.txt")])
    if rc != 1 or err.count(b"\n") != 1:
        fail(f"missing file: exit {rc}, stderr {err!r}")


def case_patterns(cli, src, work):
    os.makedirs(work, exist_ok=True)
    extra = os.path.join(work, "employee.toml")
    with open(extra, "w", encoding="utf-8") as f:
        f.write('family = "employee"\n[[pattern]]\nid = "employee_no"\n'
                'type = "CUSTOM"\nextractor = "token"\n'
                "regex = 'EMP[0-9]{6}'\nconfidence = 0.9\n"
                'match = ["工号EMP123456"]\nno_match = ["EMP12345"]\n')
    text = "员工编号EMP204811，手机13812345678\n".encode()
    rc, out, err = run(cli, ["--patterns", extra], stdin=text)
    recs = parse_lines(out)
    if rc != 0 or len(recs) != 1:
        fail(f"--patterns: exit {rc}, stderr {err!r}")
        return
    check_spans(recs[0], {None: text}, False)
    expect_found(recs[0], text, "CUSTOM", "EMP204811")
    expect_found(recs[0], text, "CN_MOBILE", "13812345678")
    # A bad pattern file: exit 1, one line naming the file and line.
    bad = os.path.join(work, "bad.toml")
    with open(bad, "w", encoding="utf-8") as f:
        f.write('family = "x"\n[[pattern]]\nid = "y"\ntype = "NOT_A_TYPE"\n'
                "extractor = \"token\"\nregex = 'a'\n")
    rc, out, err = run(cli, ["--patterns", bad], stdin=text)
    msg = err.decode("utf-8", "replace")
    if rc != 1 or "bad.toml:" not in msg or msg.count("\n") != 1 or out:
        fail(f"bad pattern file: exit {rc}, stderr {msg!r}, stdout {out!r}")
    rc, out, err = run(cli, ["--patterns", os.path.join(work, "none.toml")],
                       stdin=text)
    if rc != 1 or out:
        fail(f"missing pattern file: exit {rc}")


def case_usage(cli, src, work):
    for args in (["--types", "NOT_A_TYPE"], ["--threshold", "1.5"],
                 ["--threshold", "x"], ["--field", "text"],
                 ["--jsonl", "--field", "a..b"], ["--jsonl", "--field", "a[x]"],
                 ["--no-such-flag"], ["-", "-"]):
        rc, out, err = run(cli, args, stdin=b"")
        if rc != 2:
            fail(f"{args}: exit {rc}, want 2")
        if err.count(b"\n") < 1:
            fail(f"{args}: no message on stderr")


def case_escaping(cli, src, work):
    os.makedirs(work, exist_ok=True)
    # File names with JSON specials; text with invalid UTF-8 and controls.
    name = os.path.join(work, 'we"ird\\name\t.txt')
    data = (b"\xff\xfe\x01\"\\ \xe6\x89\x8b\xe6\x9c\xba" + SECRET.encode()
            + b" \xc0\xaf end\n")
    with open(name, "wb") as f:
        f.write(data)
    rc, out, err = run(cli, ["--show-values", name])
    if rc != 0:
        fail(f"exit {rc}: {err!r}")
        return
    recs = parse_lines(out)
    if len(recs) != 1 or recs[0].get("file") != name:
        fail(f"file name not round-tripped: {out!r}")
        return
    check_spans(recs[0], {None: data}, True)
    if not find_span(recs[0], data, "CN_MOBILE", SECRET):
        fail(f"mobile not found exactly in non-UTF-8 text: {recs[0]}")
    # JSONL strings with escapes: offsets are into the decoded value.
    line = json.dumps({"text": "a\"b\\c\n\u624b\u673a" + SECRET + "\t"})
    # With a UTF-8 byte-order mark and CRLF line ends, as Windows tools
    # write JSON Lines.
    rc, out, err = run(cli, ["--jsonl", "--show-values"],
                       stdin=b"\xef\xbb\xbf" + line.encode() + b"\r\n")
    recs = parse_lines(out)
    decoded = json.loads(line)["text"].encode()
    if rc != 0 or len(recs) != 1:
        fail(f"escaped JSONL: exit {rc}")
        return
    check_spans(recs[0], {None: decoded}, True)
    if not find_span(recs[0], decoded, "CN_MOBILE", SECRET):
        fail(f"mobile offsets not into the decoded string: {recs[0]}")


CASES = {
    "text": case_text, "jsonl": case_jsonl, "jsonl_fields": case_jsonl_fields,
    "bad_input": case_bad_input, "usage": case_usage,
    "escaping": case_escaping, "patterns": case_patterns,
}


def main():
    if len(sys.argv) != 5 or sys.argv[1] not in CASES:
        print(__doc__, file=sys.stderr)
        return 2
    case, cli, src, work = sys.argv[1:]
    CASES[case](cli, src, os.path.join(work, case))
    for f in failures:
        print("FAIL", f)
    print(f"cli_scan {case}: {'FAILED' if failures else 'passed'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
