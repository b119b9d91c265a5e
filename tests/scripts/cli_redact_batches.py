#!/usr/bin/env python3
"""`piivault redact --jsonl` across batch boundaries (the CLI reads JSON Lines
in batches of ~1 MB, splits them into runs of records for the workers and
writes them back in order).

A ~13 MB input (several batches; a record longer than a batch; blank lines;
malformed records; no final newline) must give the same bytes for every
--threads, and the same bytes as the input cut into pieces at line ends and
redacted piece by piece (records are independent, so the pieces' outputs
concatenated are the reference: an independent cut of the input, with no
batch boundary where the whole run has one). --stats counts must add up too.

Usage: cli_redact_batches.py PIIVAULT_BINARY WORK_DIR
"""
import json
import os
import random
import shutil
import subprocess
import sys

BIN, WORK = sys.argv[1:3]
shutil.rmtree(WORK, ignore_errors=True)
os.makedirs(WORK)


def check(cond, msg):
    if not cond:
        print("FAIL:", msg)
        sys.exit(1)


def run(args, data):
    p = subprocess.run([BIN, "redact"] + args, input=data, capture_output=True, timeout=600)
    return p.returncode, p.stdout, p.stderr


rng = random.Random(20261129)


def digits(n):
    return "".join(rng.choice("0123456789") for _ in range(n))


def turn():
    k = rng.randrange(8)
    if k == 0:
        return "客户：手机号1%s%s，谢谢" % (rng.choice("3589"), digits(9))
    if k == 1:
        return "客户：身份证号11010519491231002X，姓名：王建国"
    if k == 2:
        return "客户：卡号是 6222 0252 6018 1590 832，开户行工商银行。"
    if k == 3:
        return "客服：订单号%s已经生成，退款金额128.50元。" % digits(19)
    if k == 4:
        return "客户：邮箱 wang.jianguo@example.com，\"地址\"北京市海淀区中关村大街27号\\"
    return "客服小李：好的，请稍等，正在为您查询物流信息，预计明天送达。"


lines = []
total = 0
n = 0
while total < 13 << 20:
    r = rng.random()
    if r < 0.002:
        line = b'{"text":"unterminated'
    elif r < 0.003:
        line = b'{"text":"\xff\xfe"}'
    elif r < 0.01:
        line = b"   " if rng.random() < 0.5 else b""
    elif n == 300:  # one record longer than a batch
        line = json.dumps({"id": n, "text": "\n".join(turn() for _ in range(110000))},
                          ensure_ascii=False).encode()
    else:
        turns = [turn() for _ in range(rng.randrange(1, 30))]
        rec = {"id": n, "text": "\n".join(turns), "labels": [{"start": 1, "end": 2}]}
        if rng.random() < 0.3:
            rec["messages"] = [{"role": "user", "content": t} for t in turns]
        line = json.dumps(rec, ensure_ascii=rng.random() < 0.2).encode()
    lines.append(line)
    total += len(line) + 1
    n += 1
data = b"\n".join(lines)  # no final newline
check(len(data) > 3 * (4 << 20), "input spans several batches")

args = ["--jsonl", "--field", "text", "--field", "messages[].content", "--on-error", "keep"]
outputs = {}
for threads in (1, 2, 3):
    rc, out, err = run(args + ["--threads", str(threads), "--stats"], data)
    check(rc == 0, "threads %d: exit %d: %s" % (threads, rc, err[-500:]))
    outputs[threads] = out
    stats = json.loads(err.decode().strip().splitlines()[-1])
    good = sum(1 for l in lines if l.strip() and not l.startswith(b'{"text":"unterminated')
               and b"\xff" not in l)
    bad = sum(1 for l in lines if l.startswith(b'{"text":"unterminated') or b"\xff" in l)
    check(stats["records"] == good, "records %d, want %d" % (stats["records"], good))
    check(stats["malformed_records"] == bad and stats["kept_malformed_records"] == bad,
          "malformed %r, want %d" % (stats, bad))
check(outputs[1] == outputs[2] == outputs[3], "output depends on --threads")
check(outputs[1] != data, "nothing was redacted")
check(outputs[1].count(b"\n") == data.count(b"\n"), "line count changed")

# Reference: the input in pieces cut at random line ends, each redacted alone.
cuts = sorted(rng.sample(range(1, len(lines)), 5))
pieces, prev = [], 0
for c in cuts + [len(lines)]:
    pieces.append(b"\n".join(lines[prev:c]) + (b"\n" if c < len(lines) else b""))
    prev = c
ref = b""
for piece in pieces:
    rc, out, err = run(args + ["--threads", "1"], piece)
    check(rc == 0, "piece: exit %d: %s" % (rc, err[-500:]))
    ref += out
check(outputs[2] == ref, "whole-input output differs from the pieces' outputs")

# --on-error fail stops at the first malformed record with its line number;
# everything before it is written, nothing after.
first_bad = next(i for i, l in enumerate(lines)
                 if l.startswith(b'{"text":"unterminated') or b"\xff" in l)
rc, out, err = run(["--jsonl", "--field", "text", "--threads", "2"], data)
check(rc == 1, "fail mode exit %d" % rc)
check((":%d:" % (first_bad + 1)).encode() in err, "line number: %r" % err[-300:])
check(out.count(b"\n") == first_bad, "fail mode wrote %d lines, want %d" % (out.count(b"\n"), first_bad))
print("cli_redact_batches: OK (%d bytes, %d records)" % (len(data), len(lines)))
