#!/usr/bin/env python3
"""End-to-end checks of `piivault image scan|scrub`. Usage: cli_image_check.py PIIVAULT IMAGES_DIR WORK_DIR"""
import json
import os
import shutil
import subprocess
import sys

piivault, images, work = sys.argv[1], sys.argv[2], sys.argv[3]
shutil.rmtree(work, ignore_errors=True)
os.makedirs(work)
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def run(*args, stdin=None):
    return subprocess.run([piivault, "image", *args], capture_output=True, input=stdin, timeout=60)


nikon = os.path.join(images, "jpeg_gps_nikon_DSCN0010.jpg")
xmp = os.path.join(images, "jpeg_xmp_artist_exiftool.jpg")

# scan: one JSON object per line and file, findings point at items, no values.
r = run("scan", nikon, xmp)
check(r.returncode == 0, f"scan exit {r.returncode}: {r.stderr!r}")
lines = r.stdout.decode().splitlines()
check(len(lines) == 2, f"scan printed {len(lines)} lines")
for line in lines:
    rep = json.loads(line)
    check(rep["format"] == "jpeg", "format")
    check(all(set(i) >= {"location", "name", "offset", "size"} for i in rep["items"]), "item fields")
    check(all(0 <= f["item"] < len(rep["items"]) for f in rep["findings"]), "finding item index")
    check(all("value" not in i for i in rep["items"]), "values printed without --show-values")
rep = json.loads(lines[0])
check(any(f["type"] == "GEO_LOCATION" and rep["items"][f["item"]]["name"] == "GPSLatitude" for f in rep["findings"]),
      "GPSLatitude not reported as GEO_LOCATION")
check(b"Phil Harvey" not in r.stdout, "a value leaked into the report")
r = run("scan", "--show-values", xmp)
check(b"Phil Harvey" in r.stdout, "--show-values does not show values")

# scan: a missing file and a non-image give exit 1 and a one-line message; others still reported.
junk = os.path.join(work, "junk.jpg")
with open(junk, "wb") as f:
    f.write(b"not an image at all")
r = run("scan", nikon, os.path.join(work, "missing.jpg"), junk)
check(r.returncode == 1, f"scan with bad files exit {r.returncode}")
check(len(r.stdout.decode().splitlines()) == 1, "good file not reported alongside bad ones")
check(r.stderr.count(b"\n") == 2, f"stderr: {r.stderr!r}")

# usage errors: exit 2.
check(run("scrub", nikon).returncode == 2, "scrub without -o/--in-place")
check(run("scrub", nikon, "-o", "x", "--in-place").returncode == 2, "scrub with both -o and --in-place")
check(run("scrub", nikon, "-o", "x", "--keep", "bogus").returncode == 2, "bad --keep")
check(run("scan").returncode == 2, "scan without files")

# scrub -o: output exists, smaller, no GPS, re-scrub is identical.
out = os.path.join(work, "out.jpg")
r = run("scrub", nikon, "-o", out)
check(r.returncode == 0, f"scrub exit {r.returncode}: {r.stderr!r}")
data = open(out, "rb").read()
check(0 < len(data) < os.path.getsize(nikon), "scrub output size")
rep = json.loads(run("scan", out).stdout)
check(rep["findings"] == [], f"findings left after scrub: {rep['findings']}")
out2 = os.path.join(work, "out2.jpg")
check(run("scrub", out, "-o", out2).returncode == 0, "re-scrub")
check(open(out2, "rb").read() == data, "re-scrub changed the bytes")
r = run("scrub", nikon, "-o", "-")
check(r.returncode == 0 and r.stdout == data, "scrub -o - differs from -o FILE")

# --in-place: replaced on success; untouched (and no temp files left) on failure.
inplace = os.path.join(work, "inplace.jpg")
shutil.copy(xmp, inplace)
os.chmod(inplace, 0o600)
check(run("scrub", "--in-place", inplace).returncode == 0, "in-place scrub")
check(b"Phil Harvey" not in open(inplace, "rb").read(), "in-place scrub left PII")
check((os.stat(inplace).st_mode & 0o777) == 0o600, "in-place scrub changed the file mode")
bad = os.path.join(work, "bad.jpg")
original = open(os.path.join(images, "bad_jpeg_truncated.jpg"), "rb").read()[:100]
with open(bad, "wb") as f:
    f.write(original)
r = run("scrub", "--in-place", bad)
check(r.returncode == 1, f"in-place scrub of a broken file exit {r.returncode}")
check(open(bad, "rb").read() == original, "original changed after a failed in-place scrub")
check(sorted(os.listdir(work)) == sorted(["junk.jpg", "out.jpg", "out2.jpg", "inplace.jpg", "bad.jpg"]),
      f"stray files: {os.listdir(work)}")

# --keep copyright keeps the Exif copyright string.
kept = os.path.join(work, "kept.jpg")
check(run("scrub", xmp, "-o", kept, "--keep", "copyright,capture").returncode == 0, "--keep")
kb = open(kept, "rb").read()
check(b"Copyright 2004 Phil Harvey" in kb, "--keep copyright dropped the copyright")
check(b"Kingston" not in kb, "--keep copyright kept other PII")
os.remove(kept)

# every test image: scrub works (or fails cleanly for bad_* files), never crashes.
for name in sorted(os.listdir(images)):
    if name == "MANIFEST.tsv":
        continue
    o = os.path.join(work, "all_" + name)
    r = run("scrub", os.path.join(images, name), "-o", o)
    check(r.returncode in (0, 1), f"{name}: exit {r.returncode}")
    check(r.returncode == 0 or name.startswith("bad_"), f"{name}: scrub failed: {r.stderr!r}")
    if os.path.exists(o):
        os.remove(o)

if failures:
    print(f"{len(failures)} failure(s)")
    sys.exit(1)
print("ok")
