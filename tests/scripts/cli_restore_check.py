#!/usr/bin/env python3
"""End-to-end checks of `piivault restore --jsonl --field PATH`.

Usage: cli_restore_check.py CASE PIIVAULT_BINARY SOURCE_DIR WORK_DIR

Redacts JSON Lines records with the token operator into a fresh vault, then
restores only some fields: the named fields get their values back, every other
byte of every record (tokens in other fields included) stays as it was.
"""
import json
import os
import random
import shutil
import subprocess
import sys

CASE, BIN, SRC, WORK = sys.argv[1:5]
WORK = os.path.join(WORK, CASE)
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)
ENV = dict(os.environ)
ENV.pop("PIIVAULT_MASTER_KEY", None)
ENV.pop("PIIVAULT_DIR", None)
ENV.pop("PIIVAULT_PASSPHRASE", None)
VD = os.path.join(WORK, "vd")
# Everything released in plaintext for purpose "audit"; nothing for others.
POLICY = """version = 1
[[rules]]
name = "all"
fields = ["*"]
purposes = ["audit"]
principals = ["*"]
decision = "plaintext"
"""


def run(args, stdin=None):
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, env=ENV, timeout=240)
    return p.returncode, p.stdout, p.stderr


def check(cond, msg):
    if not cond:
        print("FAIL:", msg)
        sys.exit(1)


def write(name, data):
    path = os.path.join(WORK, name)
    with open(path, "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    return path


def records(n, seed=1):
    rng = random.Random(seed)
    out = []
    for i in range(n):
        mob = rng.choice(["138", "139", "150", "186"]) + "".join(rng.choice("0123456789") for _ in range(8))
        rec = {"id": i, "text": f"客户：手机号{mob}，谢谢😀 \"引号\"\n下一行 邮箱 user{i}@example.com",
               "messages": [{"role": "user", "content": f"我的手机号是{mob}"},
                            {"role": "agent", "content": "好的"}],
               "note": f"手机号{mob}"}
        out.append(json.dumps(rec, ensure_ascii=(i % 2 == 0)))
    return "\n".join(out) + "\n"


def setup():
    check(run(["vault", "init", "--dir", VD, "--policy", write("policy.toml", POLICY)])[0] == 0, "vault init")
    tok = write("tok.toml", '[defaults]\noperator = "token"\n[types.PERSON_NAME]\noperator = "mask"\n'
                '[types.ADDRESS]\noperator = "mask"\n')
    data = records(60)
    rc, red, err = run(["redact", "--vault", VD, "--policy", tok, "--jsonl", "--field", "text",
                        "--field", "messages[].content", "--field", "note"], stdin=data.encode())
    check(rc == 0, f"redact: {err!r}")
    check(red.count(b"tok_") >= 150, "too few tokens in the redacted records")
    return data, red


def restore(args, red):
    return run(["restore", "--vault", VD, "--purpose", "audit", "--principal", "auditor", "--jsonl"] + args,
               stdin=red)


if CASE == "fields":
    data, red = setup()
    rc, back, err = restore(["--field", "text", "--field", "messages[].content"], red)
    check(rc == 0, f"restore: {err!r}")
    ins, reds, outs = data.splitlines(), red.decode().splitlines(), back.decode().splitlines()
    check(len(ins) == len(outs) == len(reds), "record count changed")
    for a, r, b in zip(ins, reds, outs):
        ra, rr, rb = json.loads(a), json.loads(r), json.loads(b)
        check(rb["text"] == ra["text"], "text not restored")
        check(rb["messages"] == ra["messages"], "messages[].content not restored")
        check(rb["note"] == rr["note"] and "tok_" in rb["note"], "a field that was not named was restored")
        # The bytes from "note" on are those of the redacted record.
        check(b[b.index('"note"'):] == r[r.index('"note"'):], "bytes outside the fields changed")
    # All fields restored: the original records, byte for byte.
    rc, back, err = restore(["--field", "text", "--field", "messages[].content", "--field", "note"], red)
    check(rc == 0 and back == data.encode(), "full restore is not the original input")
    # A purpose with no rule: nothing released, exit 1, the input unchanged.
    rc, same, err = run(["restore", "--vault", VD, "--purpose", "marketing", "--principal", "m", "--jsonl",
                         "--field", "text"], stdin=red)
    check(rc == 1 and same == red and b"refused" in err, "refused tokens")

elif CASE == "errors":
    data, red = setup()
    lines = red.decode().splitlines()
    bad = "\n".join(lines[:3] + ['{"text": "x", broken'] + lines[3:]) + "\n"
    out_path = os.path.join(WORK, "out.jsonl")
    rc, out, err = restore(["--field", "text", "-o", out_path], bad.encode())
    check(rc == 1, f"malformed record exit {rc}")
    check(b":4:" in err, f"line number missing: {err!r}")
    check(not os.path.exists(out_path), "partial output file left behind")
    check(run(["restore", "--vault", VD, "--purpose", "audit", "--principal", "a", "--field", "text"],
              stdin=red)[0] == 2, "--field without --jsonl accepted")
    check(restore(["--field", "a[0]"], red)[0] == 2, "bad field path accepted")
    check(restore(["--field", ""], red)[0] == 2, "empty field path accepted")

else:
    print("unknown case", CASE)
    sys.exit(2)
print("ok")
