#!/usr/bin/env python3
"""Differential test: piivault's check-character arithmetic vs python3-stdnum.

Generates random candidates with a fixed seed (valid values, one character
changed, adjacent characters transposed, uniformly random strings and a few
malformed ones), sends them to the C++ oracle (tests/tools/checksum_oracle.cc,
which wraps src/detect/checksum.h) and compares every answer with the
expectation computed by python3-stdnum.

Only the ARITHMETIC is compared where stdnum's validation policy differs from
ours (../shared/pii-formats.md §12.7): the region table and birth dates of
stdnum.cn.ric, the digits-only positions 1-8 of stdnum.cn.uscc (authority
letters A/N/Y), 14/16-digit IMEIs, all-decimal MEIDs. For those cases the
low-level functions (stdnum.iso7064.mod_11_2, uscc.calc_check_digit,
luhn with the hex alphabet, ...) provide the expectation, and the full
validators are additionally checked for agreement wherever policy is equal.
GB 11714 (organisation code) has no stdnum module: it is compared against the
independent implementation below.

Usage: stdnum_differential.py ORACLE [--count N] [--seed S]
Exits 0 when every comparison agrees, 1 on any mismatch, 2 on setup errors.
"""

import argparse
import collections
import random
import subprocess
import sys

try:
    from stdnum import imei, luhn, meid
    from stdnum.cn import ric, uscc
    from stdnum.exceptions import (InvalidChecksum, InvalidComponent,
                                   InvalidFormat, InvalidLength)
    from stdnum.iso7064 import mod_11_2, mod_11_10
except ImportError as e:  # pragma: no cover - setup problem, not a test result
    print(f"stdnum_differential: python3-stdnum is not importable ({e}); "
          "install it with scripts/setup.sh", file=sys.stderr)
    sys.exit(2)

DIGITS = "0123456789"
HEX = "0123456789ABCDEF"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
ORG_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# Characters used to make malformed candidates (all single-byte, no spaces).
JUNK = "xIOSVZa-_.G#"

# Vectors of ../shared/pii-formats.md §12, always included.
FIXED = {
    "ric_valid": ["11010519491231002X", "320102199003074835",
                  "81000019920731005X", "830000198802030027",
                  "110118201506120030", "440524188001010014",
                  "320102199003074935", "320102199003074830",
                  "320102199003074385", "320102199002304838",
                  "190102199003074830", "320102210001014833",
                  "202402151718001234", "911840198506120015"],
    "uscc_valid": ["91110108MA01ABCD5T", "91440300MA5F0000X1",
                   "92330106MA2CD3E42F", "12100000400012342E",
                   "Y1330100MA2A0000XN", "N2440300MA5G000009",
                   "A1110000MA00M0007Q", "91110108MA011BCD5T",
                   "91110108MA01ABCD5U", "91110108M0A1ABCD5T",
                   "91110108MAO1ABCD5T", "9111S108MA01ABCD5T",
                   "91110108MA01ABCD5"],
    "org_valid": ["MA01ABCD5", "400012342", "MA5F0000X", "X00000019",
                  "060000053", "D23456785", "MA01ABCD6", "400012343",
                  "MA5F00000", "X0000001X", "060000058"],
    "mod1110": ["110108000123459", "440300001234568", "320100400000136",
                "330106600123455", "100000000000151", "510104700000019",
                "110101000123459", "110108000123450", "110108000124359"],
    "luhn": ["6222025260181590832", "6217000166131860911",
             "6228483909960308244", "6225886281948214",
             "6216619935181909371", "6259658657975439",
             "6222622319487574911", "6210981862527601897",
             "6222025260281590832", "6225886281948219",
             "6225882681948214", "1708000000000000000",
             "2024021522001412345"],
    "imei": ["860000005559793", "861234007114716", "350000000497467",
             "359999005075296", "010000001703428", "860000005559794",
             "860000005959793", "860000005595793", "350000000497461",
             "86000000555979"],
    "meid_valid": ["A00000000000014", "A1000012345678B", "A10000AB12CD34C",
                   "A10000AB12CD34D"],
}


# --- independent GB 11714 implementation (no stdnum module exists) ---------

def org_check_char(body8):
    if len(body8) != 8 or any(c not in ORG_ALPHABET for c in body8):
        return "-"
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(ORG_ALPHABET.index(c) * w for c, w in zip(body8, weights))
    c = 11 - total % 11
    return {10: "X", 11: "0"}.get(c, str(c))


# --- candidate generation --------------------------------------------------

def rand_str(rng, alphabet, n):
    return "".join(rng.choice(alphabet) for _ in range(n))


def mutate(rng, value, alphabet, mode):
    """Returns a variant of `value` according to `mode`."""
    chars = list(value)
    if mode == "change" and chars:
        i = rng.randrange(len(chars))
        choices = [c for c in alphabet if c != chars[i]]
        chars[i] = rng.choice(choices)
    elif mode == "transpose" and len(chars) > 1:
        i = rng.randrange(len(chars) - 1)
        chars[i], chars[i + 1] = chars[i + 1], chars[i]
    elif mode == "malformed":
        kind = rng.randrange(3)
        if kind == 0 and chars:
            chars[rng.randrange(len(chars))] = rng.choice(JUNK)
        elif kind == 1 and chars:
            del chars[rng.randrange(len(chars))]
        else:
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(alphabet))
    return "".join(chars)


MODES = (("valid", 30), ("change", 25), ("transpose", 15), ("random", 25),
         ("malformed", 5))


def pick_mode(rng):
    r = rng.randrange(100)
    for mode, weight in MODES:
        if r < weight:
            return mode
        r -= weight
    return "random"


# Region codes present in stdnum's table, so realistic bodies also pass its
# full validator (the rest exercise the arithmetic on arbitrary digits).
RIC_REGIONS = ("110105", "320102", "510104", "330106", "440305", "650102",
               "370202", "420106", "610113", "210102")


def gen_ric_body(rng):
    if rng.randrange(2):
        return rand_str(rng, DIGITS, 17)
    year = rng.randrange(1930, 2020)
    month = rng.randrange(1, 13)
    day = rng.randrange(1, 29)
    return (f"{rng.choice(RIC_REGIONS)}{year:04d}{month:02d}{day:02d}"
            + rand_str(rng, DIGITS, 3))


def gen_valid(kind, rng):
    """A checksum-valid value for `kind`, computed with stdnum."""
    if kind in ("ric_valid", "ric_check"):
        body = gen_ric_body(rng)
        return body + mod_11_2.calc_check_digit(body)
    if kind in ("uscc_valid", "uscc_check"):
        # Mostly the usual shape (digits in 1-8, where stdnum's full
        # validator applies), some with authority letters A/N/Y and some
        # arbitrary alphabet strings.
        r = rng.randrange(10)
        if r < 7:
            body = (rng.choice("123456789") + rand_str(rng, DIGITS, 7)
                    + rand_str(rng, USCC_ALPHABET, 9))
        elif r < 9:
            body = (rng.choice("ANY") + rand_str(rng, DIGITS, 7)
                    + rand_str(rng, USCC_ALPHABET, 9))
        else:
            body = rand_str(rng, USCC_ALPHABET, 17)
        return body + uscc.calc_check_digit(body)
    if kind in ("org_valid", "org_check"):
        body = rand_str(rng, ORG_ALPHABET, 8)
        return body + org_check_char(body)
    if kind == "mod1110":
        body = rand_str(rng, DIGITS, rng.choice((14, 14, 14, 5, 9, 20)))
        return body + mod_11_10.calc_check_digit(body)
    if kind == "luhn":
        body = rand_str(rng, DIGITS, rng.randrange(1, 23))
        return body + luhn.calc_check_digit(body)
    if kind == "imei":
        body = rand_str(rng, DIGITS, rng.choice((14, 14, 14, 13, 15)))
        return body + luhn.calc_check_digit(body)
    if kind in ("meid_valid", "meid_check"):
        if rng.randrange(10) == 0:
            body = rand_str(rng, DIGITS, 14)  # IMEI-range, decimal digits only
        else:
            body = rng.choice("ABCDEF") + rand_str(rng, HEX, 13)
        return body + luhn.calc_check_digit(body, alphabet=HEX)
    raise ValueError(kind)


ALPHABETS = {
    "ric_valid": DIGITS + "X", "ric_check": DIGITS,
    "uscc_valid": USCC_ALPHABET, "uscc_check": USCC_ALPHABET,
    "org_valid": ORG_ALPHABET, "org_check": ORG_ALPHABET,
    "mod1110": DIGITS, "luhn": DIGITS, "imei": DIGITS,
    "meid_valid": HEX, "meid_check": HEX,
}
# Kinds whose input is the body only (the oracle returns a check char).
BODY_LEN = {"ric_check": 17, "uscc_check": 17, "org_check": 8,
            "meid_check": 14}


def gen_candidate(kind, rng):
    mode = pick_mode(rng)
    alphabet = ALPHABETS[kind]
    value = gen_valid(kind, rng)
    if kind in BODY_LEN:
        value = value[:BODY_LEN[kind]]
    if mode == "random":
        value = rand_str(rng, alphabet, len(value))
    elif mode != "valid":
        value = mutate(rng, value, alphabet, mode)
    return mode, value


# --- expectations from stdnum ----------------------------------------------

class Stats:
    def __init__(self):
        self.total = collections.Counter()
        self.positive = collections.Counter()
        self.full_validator_checked = collections.Counter()
        self.policy_only_arith = collections.Counter()
        self.mismatches = []

    def fail(self, kind, value, what):
        self.mismatches.append(f"{kind} {value}: {what}")


def ric_full(value):
    """Classifies stdnum.cn.ric.validate's verdict."""
    try:
        ric.validate(value)
        return "valid"
    except InvalidChecksum:
        return "checksum"
    except InvalidComponent:
        return "component"  # birth date or region: policy, checksum passed
    except (InvalidLength, InvalidFormat):
        return "format"


def expect(kind, value, stats):
    """Returns the oracle output stdnum predicts, after cross-checking the
    full stdnum validators where our policy agrees with theirs."""
    if kind == "ric_check":
        if len(value) != 17 or not value.isdigit():
            return "-"
        c = mod_11_2.calc_check_digit(value)
        if ric.calc_check_digit(value + "0") != c:
            stats.fail(kind, value, "stdnum ric vs mod_11_2 disagree")
        return c
    if kind == "ric_valid":
        arith = (len(value) == 18 and value[:17].isdigit()
                 and value[17] in DIGITS + "X" and mod_11_2.is_valid(value))
        # stdnum upper-cases and strips separators first; we take canonical
        # input only, so the full validator is compared on canonical values.
        if ric.compact(value) == value:
            full = ric_full(value)
            stats.full_validator_checked[kind] += 1
            if (full in ("valid", "component")) != arith:
                stats.fail(kind, value, f"stdnum ric.validate={full} vs "
                           f"mod_11_2 arithmetic={arith}")
            if full == "component":
                stats.policy_only_arith[kind] += 1
        return "1" if arith else "0"
    if kind == "uscc_check":
        if len(value) != 17 or any(c not in USCC_ALPHABET for c in value):
            return "-"
        return uscc.calc_check_digit(value)
    if kind == "uscc_valid":
        arith = (len(value) == 18
                 and all(c in USCC_ALPHABET for c in value)
                 and uscc.calc_check_digit(value[:17]) == value[17])
        if (len(value) == 18 and value[:8].isdigit()
                and uscc.compact(value) == value):
            stats.full_validator_checked[kind] += 1
            if uscc.is_valid(value) != arith:
                stats.fail(kind, value, "uscc.is_valid disagrees with "
                           "uscc.calc_check_digit")
        elif arith:
            stats.policy_only_arith[kind] += 1  # A/N/Y or letters in 2-8
        return "1" if arith else "0"
    if kind == "org_check":
        return org_check_char(value)
    if kind == "org_valid":
        ok = len(value) == 9 and org_check_char(value[:8]) == value[8]
        return "1" if ok else "0"
    if kind == "mod1110":
        if len(value) < 2 or not value.isdigit():
            return "0"  # stdnum accepts a lone '1'; we need a body
        stats.full_validator_checked[kind] += 1
        return "1" if mod_11_10.is_valid(value) else "0"
    if kind == "luhn":
        if not value or not value.isdigit():
            return "0"  # stdnum treats "" as valid
        stats.full_validator_checked[kind] += 1
        return "1" if luhn.is_valid(value) else "0"
    if kind == "imei":
        if len(value) == 15 and value.isdigit():
            stats.full_validator_checked[kind] += 1
            return "1" if imei.is_valid(value) else "0"
        if value.isdigit() and len(value) in (14, 16) and imei.is_valid(value):
            stats.policy_only_arith[kind] += 1  # stdnum: IMEI / IMEISV
        return "0"
    if kind == "meid_check":
        if len(value) != 14 or any(c not in HEX for c in value):
            return "-"
        c = luhn.calc_check_digit(value, alphabet=HEX)
        if not value.isdigit():
            stats.full_validator_checked[kind] += 1
            if meid.calc_check_digit(value) != c:
                stats.fail(kind, value, "meid.calc_check_digit disagrees "
                           "with hex luhn")
        else:
            stats.policy_only_arith[kind] += 1  # stdnum: decimal Luhn (IMEI)
        return c
    if kind == "meid_valid":
        if len(value) != 15 or any(c not in HEX for c in value):
            return "0"
        arith = luhn.is_valid(value, alphabet=HEX)
        if not value[:14].isdigit():
            stats.full_validator_checked[kind] += 1
            if meid.is_valid(value) != arith:
                stats.fail(kind, value, "meid.is_valid disagrees with hex "
                           "luhn")
        else:
            stats.policy_only_arith[kind] += 1
        return "1" if arith else "0"
    raise ValueError(kind)


# Share of candidates per kind (sums to 1).
KIND_WEIGHTS = {
    "ric_valid": 0.16, "ric_check": 0.06, "uscc_valid": 0.14,
    "uscc_check": 0.06, "org_valid": 0.05, "org_check": 0.03,
    "mod1110": 0.10, "luhn": 0.16, "imei": 0.10, "meid_valid": 0.10,
    "meid_check": 0.04,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("oracle", help="path to the checksum_oracle executable")
    ap.add_argument("--count", type=int, default=120000)
    ap.add_argument("--seed", type=int, default=20240215)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    kinds = list(KIND_WEIGHTS)
    weights = [KIND_WEIGHTS[k] for k in kinds]
    cases = [(k, "fixed", v) for k, vs in FIXED.items() for v in vs]
    for _ in range(args.count):
        kind = rng.choices(kinds, weights)[0]
        mode, value = gen_candidate(kind, rng)
        cases.append((kind, mode, value))

    stdin = "".join(f"{k} {v}\n" for k, _, v in cases)
    try:
        proc = subprocess.run([args.oracle], input=stdin, capture_output=True,
                              text=True, check=False)
    except OSError as e:
        print(f"stdnum_differential: cannot run oracle: {e}", file=sys.stderr)
        return 2
    if proc.returncode != 0:
        print(f"stdnum_differential: oracle exited {proc.returncode}: "
              f"{proc.stderr.strip()[:200]}", file=sys.stderr)
        return 2
    got = proc.stdout.split("\n")
    if got and got[-1] == "":
        got.pop()
    if len(got) != len(cases):
        print(f"stdnum_differential: oracle answered {len(got)} lines for "
              f"{len(cases)} candidates", file=sys.stderr)
        return 2

    stats = Stats()
    by_mode = collections.defaultdict(collections.Counter)
    for (kind, mode, value), answer in zip(cases, got):
        want = expect(kind, value, stats)
        stats.total[kind] += 1
        by_mode[kind][mode] += 1
        if want not in ("0", "-"):
            stats.positive[kind] += 1
        if answer != want:
            stats.fail(kind, value, f"oracle={answer!r} stdnum={want!r}")

    print(f"{'kind':<11} {'cases':>7} {'valid':>7} {'stdnum-full':>11} "
          f"{'arith-only':>10}  modes")
    for kind in kinds:
        modes = " ".join(f"{m}={n}" for m, n in sorted(by_mode[kind].items()))
        print(f"{kind:<11} {stats.total[kind]:>7} {stats.positive[kind]:>7} "
              f"{stats.full_validator_checked[kind]:>11} "
              f"{stats.policy_only_arith[kind]:>10}  {modes}")
    total = sum(stats.total.values())
    print(f"total {total} candidates, {len(stats.mismatches)} mismatches "
          f"(seed {args.seed})")
    print("valid = oracle answers that were 'valid' or a check char; "
          "stdnum-full = also compared with the full stdnum validator; "
          "arith-only = stdnum policy differs (pii-formats.md §12.7), "
          "arithmetic compared")
    for line in stats.mismatches[:20]:
        print("MISMATCH", line)
    return 1 if stats.mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
