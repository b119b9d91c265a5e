#!/usr/bin/env python3
"""Redacting redacted output changes nothing (issue #3), checked end to end
through `piivault redact --jsonl` on two corpora -- the labelled transcripts
of the accuracy test (scripts/gen_corpus.py: chat and speech-to-text logs)
and dense noise (scripts/gen_noise.py: fragments glued together) -- under
each operator: masks (the default policy), labels in both styles (numbered
Chinese ones too), the keyed hash, and vault tokens. Policies named
*_settle also set settle_passes: their --stats must report no unsettled
document, and the noise is redacted twice as one plain-text stream too.

  redact_idempotence_check.py PIIVAULT SOURCE_DIR WORK_DIR TRANSCRIPTS_JSONL

On a failure it names the policy, the corpus and the record numbers (never
the text)."""
import json
import os
import shutil
import subprocess
import sys

POLICIES = {
    'mask': None,
    'label': '[defaults]\noperator = "label"\nmin_confidence = 0.5\n',
    'label_chinese_numbered': '[defaults]\noperator = "label"\nmin_confidence = 0.5\n'
                              'label_style = "chinese"\nnumbered_labels = true\n',
    'hash': '[defaults]\noperator = "hash"\nmin_confidence = 0.5\n',
    'token': '[defaults]\noperator = "token"\nmin_confidence = 0.5\n',
    'mask_settle': '[defaults]\nsettle_passes = 2\n',
    'label_chinese_numbered_settle': '[defaults]\noperator = "label"\nmin_confidence = 0.0\n'
                                     'label_style = "chinese"\nnumbered_labels = true\nsettle_passes = 2\n',
}


def unsettled(stats_path):
    with open(stats_path) as f:
        return json.load(f)['unsettled']


def run(cmd):
    p = subprocess.run(cmd, capture_output=True)
    if p.returncode != 0:
        sys.exit('FAIL: %s exited %d: %s' % (' '.join(cmd[:2]), p.returncode, p.stderr.decode(errors='replace')[:500]))


def main():
    piivault, source, work, transcripts = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    noise = os.path.join(work, 'noise.jsonl')
    run([sys.executable, os.path.join(source, 'scripts', 'gen_noise.py'), '--seed', '21', '--records', '40000',
         '--out', noise])
    key = os.path.join(work, 'hash.key')
    with open(key, 'wb') as f:
        f.write(os.urandom(32))
    os.chmod(key, 0o600)
    vault = os.path.join(work, 'vault')
    run([piivault, 'vault', 'init', '--dir', vault])
    failures = 0
    for name, toml in POLICIES.items():
        args = []
        if toml is not None:
            path = os.path.join(work, name + '.toml')
            with open(path, 'w') as f:
                f.write(toml)
            args += ['--policy', path]
        if name == 'hash':
            args += ['--key-file', key]
        if name == 'token':
            args += ['--vault', vault, '--principal', 'idempotence-test']
        settle = name.endswith('_settle')
        corpora = [('transcripts', transcripts, True), ('noise', noise, True)]
        if settle:
            plain = os.path.join(work, 'noise.txt')
            with open(noise, 'rb') as f, open(plain, 'wb') as g:
                g.write(b'\n'.join(json.loads(line)['text'].encode() for line in f if line.strip()))
            corpora.append(('noise-plain', plain, False))
        for corpus_name, corpus, jsonl in corpora:
            once = os.path.join(work, '%s.%s.1.jsonl' % (name, corpus_name))
            twice = os.path.join(work, '%s.%s.2.jsonl' % (name, corpus_name))
            stats = os.path.join(work, '%s.%s.stats.json' % (name, corpus_name))
            mode = ['--jsonl', '--field', 'text'] if jsonl else []
            run([piivault, 'redact'] + mode + ['--threads', '2', '--stats=' + stats] + args + [corpus, '-o', once])
            run([piivault, 'redact'] + mode + ['--threads', '2'] + args + [once, '-o', twice])
            if settle and unsettled(stats) != 0:
                failures += 1
                print('  FAIL: %s %s: %d documents unsettled' % (name, corpus_name, unsettled(stats)))
            with open(once, 'rb') as a, open(twice, 'rb') as b:
                first, second = a.read().split(b'\n'), b.read().split(b'\n')
            changed = [i + 1 for i, (x, y) in enumerate(zip(first, second)) if x != y]
            if len(first) != len(second):
                changed.append('(record count)')
            print('%-24s %-12s %6d records, %d changed by a second pass' % (name, corpus_name, len(first) - 1, len(changed)))
            if changed:
                failures += 1
                print('  FAIL: records %s' % ', '.join(str(c) for c in changed[:20]))
    if failures:
        sys.exit('FAIL: a second pass changed %d corpus/policy pairs' % failures)
    print('PASS')


if __name__ == '__main__':
    main()
