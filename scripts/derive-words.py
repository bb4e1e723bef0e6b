#!/usr/bin/env python3
"""Derives data/words-en.txt, the English word frequencies herald splits hashtags with.

Source: wordfreq 3.1.1's `large_en` list (https://github.com/rspeer/wordfreq), whose data is
licensed CC BY-SA 4.0; the derived file is under the same licence (see data/README.md).

    python3 -m venv /tmp/wf && /tmp/wf/bin/pip install msgpack
    pip download --no-deps -d /tmp/wf wordfreq==3.1.1 && unzip -o -q /tmp/wf/wordfreq-3.1.1-*.whl -d /tmp/wf
    /tmp/wf/bin/python scripts/derive-words.py /tmp/wf/wordfreq/data/large_en.msgpack.gz > data/words-en.txt

Kept: words of ASCII letters a-z with a Zipf frequency of at least 2.5 (about once in 300
million words), except very short ones, which are kept only when common (they would otherwise
let any long unknown word be split into fragments): two letters at Zipf 4.5, three at 3.0, and
of single letters only "a" and "i".

Format: one line per frequency bucket, `ZIPF<TAB>word word …`, with ZIPF in hundredths.
"""
import gzip
import re
import sys

import msgpack

MIN_ZIPF = 2.5
WORD = re.compile(r"^[a-z]+$")


def keep(word, zipf):
    if not WORD.match(word) or zipf < MIN_ZIPF:
        return False
    if len(word) == 1:
        return word in ("a", "i")
    if len(word) == 2:
        return zipf >= 4.5
    if len(word) == 3:
        return zipf >= 3.0
    return True


def main(path):
    data = msgpack.load(gzip.open(path, "rb"), raw=False, strict_map_key=False)
    assert data[0] == {"format": "cB", "version": 1}, data[0]
    print("# English word frequencies for splitting hashtags, derived from wordfreq 3.1.1 (large_en)")
    print("# by scripts/derive-words.py. Data (c) Robyn Speer and wordfreq's sources, CC BY-SA 4.0:")
    print("# https://creativecommons.org/licenses/by-sa/4.0/ - see data/README.md for attribution.")
    print("# Each line: Zipf frequency in hundredths, a tab, then the words of that frequency.")
    for centibels, bucket in enumerate(data[1:]):
        zipf = 9 - centibels / 100
        words = sorted(w for w in bucket if keep(w, zipf))
        if words:
            print(f"{round(zipf * 100)}\t{' '.join(words)}")


if __name__ == "__main__":
    main(sys.argv[1])
