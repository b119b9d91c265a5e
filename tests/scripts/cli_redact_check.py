#!/usr/bin/env python3
"""End-to-end checks of `piivault redact` / `piivault restore`.

Usage: cli_redact_check.py CASE PIIVAULT_BINARY SOURCE_DIR WORK_DIR
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
TRANSCRIPT = os.path.join(SRC, "examples", "transcript.txt")
SECRETS = ["11010519491231002X", "13812345678", "6222 0252 6018 1590 832", "E12345678",
           "wang.jianguo@example.com", "62345678"]


def run(args, stdin=None, env=None):
    if not args or args[0] not in ("redact", "restore", "vault"):
        args = ["redact"] + args
    p = subprocess.run([BIN] + args, input=stdin, capture_output=True, env=env, timeout=240)
    return p.returncode, p.stdout, p.stderr


def check(cond, msg):
    if not cond:
        print("FAIL:", msg)
        sys.exit(1)


def path(name):
    return os.path.join(WORK, name)


def write(name, data, mode=0o644):
    with open(path(name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(path(name), mode)
    return path(name)


def no_secrets(out, what):
    text = out.decode("utf-8", "replace")
    for s in SECRETS:
        check(s not in text, f"{what}: a detected value survived ({len(s)} chars)")
    check("stderr" not in what or "1381234" not in text, what)


def records(n, seed=1):
    rng = random.Random(seed)
    lines = []
    for i in range(n):
        mob = rng.choice(["138", "139", "150", "186", "177"]) + "".join(rng.choice("0123456789") for _ in range(8))
        rec = {"id": i, "text": f"客户：手机号{mob}，谢谢😀 \"引号\" \\ ｔｅｓｔ",
               "messages": [{"role": "user", "content": f"身份证号11010519491231002X 第{i}条"},
                            {"role": "agent", "content": "好的"}],
               "note": f"手机号{mob}"}
        lines.append(json.dumps(rec, ensure_ascii=(i % 2 == 0)))
    return "\n".join(lines) + "\n"


if CASE == "text":
    rc, out, err = run([TRANSCRIPT])
    check(rc == 0, f"exit {rc}: {err!r}")
    no_secrets(out, "plain text")
    check(out.count(b"\n") == open(TRANSCRIPT, "rb").read().count(b"\n"), "line count changed")
    check("138****5678".encode() in out, "mobile not masked in the CN style")
    rc2, out2, _ = run([], stdin=open(TRANSCRIPT, "rb").read())
    check(rc2 == 0 and out2 == out, "stdin and file input differ")
    # Idempotent: redacting the output again changes nothing.
    rc3, out3, _ = run([], stdin=out)
    check(rc3 == 0 and out3 == out, "second redaction changed the output")

elif CASE == "jsonl":
    data = records(200)
    rc, out, err = run(["--jsonl", "--field", "text", "--field", "messages[].content"], stdin=data.encode())
    check(rc == 0, f"exit {rc}: {err!r}")
    in_lines, out_lines = data.splitlines(), out.decode().splitlines()
    check(len(in_lines) == len(out_lines), "record count changed")
    for a, b in zip(in_lines, out_lines):
        ra, rb = json.loads(a), json.loads(b)
        check(ra["id"] == rb["id"] and ra["note"] == rb["note"], "a field that was not named changed")
        check(ra["note"][3:] not in rb["text"] and "****" in rb["text"], "text not redacted")
        check("11010519491231002X" not in rb["messages"][0]["content"], "array path not redacted")
        check(rb["messages"][1] == ra["messages"][1], "untouched element changed")
        check("😀" in rb["text"] and "\"引号\" \\ ｔｅｓｔ" in rb["text"], "escaping around values broken")
        # Bytes outside the named fields are identical.
        check(a[a.index('"note"'):] == b[b.index('"note"'):], "bytes after the fields changed")

elif CASE == "threads":
    body = open(TRANSCRIPT, "rb").read()
    big = b"".join(body.replace(b"13812345678", str(13800000000 + i).encode()) for i in range(1000))
    outs = [run(["--threads", str(t)], stdin=big) for t in (1, 2, 3)]
    check(all(o[0] == 0 for o in outs), "plain text run failed")
    check(outs[0][1] == outs[1][1] == outs[2][1], "plain text output depends on --threads")
    no_secrets(outs[0][1], "plain threads")
    data = records(1000, seed=7).encode()
    outs = [run(["--jsonl", "--threads", str(t)], stdin=data) for t in (1, 2, 4)]
    check(all(o[0] == 0 for o in outs), "jsonl run failed")
    check(outs[0][1] == outs[1][1] == outs[2][1], "jsonl output depends on --threads")

elif CASE == "on_error":
    good = records(4).splitlines()
    lines = good[:2] + ['{"text": "手机号13812345678", broken'] + good[2:]
    data = ("\n".join(lines) + "\n").encode()
    rc, out, err = run(["--jsonl"], stdin=data)
    check(rc == 1, f"fail mode exit {rc}")
    check(b":3:" in err, f"line number missing: {err!r}")
    check(b"13812345678" not in err, "error message quotes the input")
    check(out.decode().count("\n") == 2, "records before the bad one not written, or a partial record")
    rc, out, err = run(["--jsonl", "--on-error", "skip"], stdin=data)
    check(rc == 0 and out.decode().count("\n") == 4, "skip mode")
    rc, out, err = run(["--jsonl", "--on-error=keep"], stdin=data)
    check(rc == 0 and out.decode().splitlines()[2] == lines[2], "keep mode")
    # Invalid UTF-8 inside a record is malformed, never silently mangled.
    rc, out, err = run(["--jsonl"], stdin=b'{"text":"\xff\xfe 13812345678"}\n')
    check(rc == 1, "invalid UTF-8 record accepted")

elif CASE == "non_utf8":
    data = b"\xff\xfe\x00 bad bytes \xc3( then 13812345678 \xe4\xb8 end\n" * 3
    rc, out, err = run([], stdin=data)
    check(rc == 0, f"exit {rc}")
    check(out.replace(b"13812345678", b"138****5678") == out.replace(b"13812345678", b"138****5678") and
          out.startswith(b"\xff\xfe\x00 bad bytes \xc3( then "), "invalid bytes were changed")
    check(len(out) == len(data), "length changed (bytes dropped or replaced)")

elif CASE == "usage":
    check(run(["--field", "text"], stdin=b"")[0] == 2, "--field without --jsonl")
    check(run(["--jsonl", "--field", "a[0]"], stdin=b"")[0] == 2, "bad field path")
    check(run(["--on-error", "ignore"], stdin=b"")[0] == 2, "bad --on-error")
    check(run(["--threads", "-3"], stdin=b"")[0] == 2, "negative threads")
    check(run(["/nonexistent/input.txt"])[0] == 1, "missing input")
    check(run(["--no-such-flag"])[0] == 2, "unknown flag")
    check(run(["restore", "--purpose", "x"])[0] == 2, "restore without --principal")

elif CASE == "policy":
    p = write("bad.toml", "[defaults]\noperator = \"mask\"\n\n[types.CN_MOBILE]\noperator = \"blur\"\n")
    rc, _, err = run(["--policy", p], stdin=b"x")
    check(rc == 1 and f"{p}:5:".encode() in err, f"bad policy: {rc} {err!r}")
    p = write("label.toml", "[defaults]\noperator = \"label\"\nlabel_style = \"chinese\"\nnumbered_labels = true\n"
              "[allow]\nvalues = [\"E12345678\"]\n[deny]\nterms = [\"企服通\"]\n")
    rc, out, err = run(["--policy", p, TRANSCRIPT])
    check(rc == 0, f"label policy: {err!r}")
    text = out.decode()
    check("[手机号1]" in text and "[身份证号1]" in text, "chinese numbered labels")
    check("E12345678" in text, "allow-listed value was redacted")
    check("企服通" not in text, "deny-listed term survived")
    # settle_passes: a deny-list term whose label recreates it ("ab" -> "a")
    # needs a pass per nesting level; the CLI warns while one is left.
    for passes, want, warned in ((1, b"x aaab y", True), (3, b"x aaa y", False)):
        p = write("settle.toml", f"[defaults]\nsettle_passes = {passes}\n[types.CUSTOM]\noperator = \"label\"\n"
                  "label = \"a\"\n[deny]\nterms = [\"ab\"]\n")
        sp = path("settle.json")
        rc, out, err = run(["--policy", p, "--stats=" + sp], stdin=b"x aaabbb y")
        st = json.load(open(sp))
        check(rc == 0 and out == want, f"settle_passes {passes}: {rc} {out!r} {err!r}")
        check((b"warning" in err) == warned and st["unsettled"] == (1 if warned else 0) and
              st["settled"] == (1 if warned else 2), f"settle_passes {passes}: {err!r} {st}")
    p = write("token.toml", "[defaults]\noperator = \"token\"\n")
    rc, out, err = run(["--policy", p, TRANSCRIPT])
    check(rc == 1 and b"no vault configured" in err and out == b"", f"token without vault: {rc} {err!r}")

elif CASE == "stats":
    sp = path("stats.json")
    rc, out, err = run(["--stats=" + sp, TRANSCRIPT])
    check(rc == 0, f"exit {rc} {err!r}")
    st = json.load(open(sp))
    check(st["by_type"]["CN_MOBILE"]["mask"] >= 1 and st["input_bytes"] == os.path.getsize(TRANSCRIPT), "stats content")
    rc, out, err = run(["--stats", TRANSCRIPT])
    check(rc == 0 and out != b"", "--stats swallowed the input path")
    st2 = json.loads(err.decode().strip().splitlines()[-1])
    check(st2["by_operator"] == st["by_operator"], "stats on stderr differ")
    for s in SECRETS:
        check(s not in err.decode(), "stats contain a value")

elif CASE == "output":
    o = path("out.txt")
    rc, out, err = run(["-o", o, TRANSCRIPT])
    check(rc == 0 and out == b"" and os.path.exists(o), "-o")
    no_secrets(open(o, "rb").read(), "-o file")
    o2 = path("fail.jsonl")
    rc, _, _ = run(["--jsonl", "-o", o2], stdin=b'{"text":"ok"}\nnot json\n')
    check(rc == 1 and not os.path.exists(o2), "failed run left an output file")
    check(not [f for f in os.listdir(WORK) if ".tmp." in f], "temporary file left behind")
    # An input file right after --field is the input, not a second field
    # path (CLI11 would otherwise let --field take it and read stdin).
    jin = write("in.jsonl", '{"text": "手机13812345678"}\n')
    o3 = path("field_then_file.jsonl")
    rc, _, err = run(["--jsonl", "--field", "text", jin, "-o", o3], stdin=b"")
    check(rc == 0 and open(o3, "rb").read() == '{"text": "手机138****5678"}\n'.encode(),
          f"--field text FILE: {err!r}")

elif CASE == "hash":
    p = write("hash.toml", "[defaults]\noperator = \"hash\"\n")
    k = write("k", os.urandom(32).hex() + "\n", 0o600)
    rc, out, err = run(["--policy", p, "--key-file", k, TRANSCRIPT])
    check(rc == 0 and b"<CN_MOBILE#" in out, f"hash: {err!r}")
    no_secrets(out, "hash")
    rc2, out2, _ = run(["--policy", p, "--key-file", k, TRANSCRIPT])
    check(out2 == out, "hash not stable under one key")
    k2 = write("k2", os.urandom(32).hex() + "\n", 0o600)
    check(run(["--policy", p, "--key-file", k2, TRANSCRIPT])[1] != out, "hash ignores the key")
    check(run(["--policy", p, TRANSCRIPT])[0] == 1, "hash without a key file ran")
    kw = write("kw", os.urandom(32).hex(), 0o644)
    check(run(["--policy", p, "--key-file", kw, TRANSCRIPT])[0] == 1, "world-readable key accepted")

elif CASE == "vault":
    vd = path("vd")
    env = dict(os.environ)
    env.pop("PIIVAULT_MASTER_KEY", None)
    env.pop("PIIVAULT_DIR", None)
    rc, _, err = run(["vault", "init", "--dir", vd], env=env)
    check(rc == 0, f"vault init: {err!r}")
    p = write("tok.toml", "[defaults]\noperator = \"token\"\n[types.PERSON_NAME]\noperator = \"mask\"\n"
              "[types.ADDRESS]\noperator = \"mask\"\n")
    rc, red, err = run(["redact", "--vault", vd, "--policy", p, TRANSCRIPT], env=env)
    check(rc == 0, f"redact --vault: {err!r}")
    no_secrets(red, "tokenised")
    check(b"tok_" in red, "no tokens in the output")
    write("red.txt", red)
    rc, back, err = run(["restore", "--vault", vd, "--purpose", "customer_service", "--principal", "agent-1",
                         path("red.txt")], env=env)
    # customer_service may see mobiles but not ID numbers: some refused -> exit 1.
    check(rc == 1, f"restore exit {rc}: {err!r}")
    check(b"13812345678" in back, "allowed mobile not restored")
    check(b"11010519491231002X" not in back and b"11010519491231002X" not in err, "refused ID released")
    check(b"refused" in err, "refusals not reported")
    rc, back, err = run(["restore", "--vault", vd, "--purpose", "identity_verification", "--principal", "kyc",
                         path("red.txt")], env=env)
    check(b"11010519491231002X" in back or b"110105********002X" in back, "identity purpose got no ID")
    rc, same, err = run(["restore", "--vault", vd, "--purpose", "x", "--principal", "y"], stdin=b"no tokens here\n",
                        env=env)
    check(rc == 0 and same == b"no tokens here\n", "text without tokens")
elif CASE == "transcript":
    # scripts/gen_transcript_jsonl.py (the CLI's benchmark input at
    # detect_benchmark's density), both styles: every generated mobile, ID and
    # card number is masked, the output is the same for 1 and 2 threads, and
    # nothing but the text fields changes.
    import re
    gen = os.path.join(SRC, "scripts", "gen_transcript_jsonl.py")
    for style, field, key in (("chat", "text", "text"), ("messages", "messages[].content", "messages")):
        src = path(f"{style}.jsonl")
        p = subprocess.run([sys.executable, gen, "--style", style, "--bytes", "300000", "--seed", "5",
                            "-o", src], capture_output=True, timeout=120)
        check(p.returncode == 0, f"generator ({style}): {p.stderr!r}")
        data = open(src, "rb").read()
        # The generator's values: after 手机号是 / 身份证号 / 卡号 (its order
        # numbers also have 18 digits, a tenth of them a valid check digit).
        values = set(re.findall("(?:手机号是|身份证号|卡号)([0-9]{11,19}X?)".encode(), data))
        check(len(values) > 50, f"{style}: only {len(values)} values generated")
        outs = []
        for threads in ("1", "2"):
            rc, out, err = run(["--jsonl", "--field", field, "--threads", threads, src])
            check(rc == 0, f"{style} --threads {threads}: {err!r}")
            outs.append(out)
        check(outs[0] == outs[1], f"{style}: output differs between 1 and 2 threads")
        left = [v for v in values if v in outs[0]]
        check(not left, f"{style}: {len(left)} generated values survived")
        ins, reds = data.decode().splitlines(), outs[0].decode().splitlines()
        check(len(ins) == len(reds), f"{style}: record count changed")
        for a, b in zip(ins, reds):
            ra, rb = json.loads(a), json.loads(b)
            check({k: v for k, v in ra.items() if k != key} == {k: v for k, v in rb.items() if k != key},
                  f"{style}: a field other than {key} changed")
else:
    print("unknown case", CASE)
    sys.exit(2)
print("ok")
