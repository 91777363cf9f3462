"""Writes netconduct/selfcheck/data/common_words.txt: common words that start with a surname and would pass as a name.

    .venv/bin/pip install 'jieba>=0.42'                 # only to run this script; the product reads the text file
    .venv/bin/python bench/selfcheck_wordlist.py

The words come from jieba's dictionary (jieba 0.42.1, MIT licence: a word, its frequency in jieba's corpus and a part
of speech): words of two or three characters whose first character is a surname (or a compound surname's first),
tagged as anything but a person's name with a frequency of 50 or more, or of any tag with 150 or more (jieba tags
文明, 师傅 and 盖章 as names). The self-check does not take such a word as a name where the only cue is weak: working
chatter ("，常常说"), brackets ("（万元）"), a list or a role label. About one random full name in 450 is such a word
(孔明, 江山, 黄海): those are missed where nothing else marks them.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from netconduct.selfcheck import lexicon  # noqa: E402

OUT = ROOT / "netconduct" / "selfcheck" / "data" / "common_words.txt"


def main() -> int:
    try:
        import jieba
    except ImportError:
        print("jieba is not installed: .venv/bin/pip install 'jieba>=0.42'", file=sys.stderr)
        return 2
    firsts = lexicon.SURNAMES | {c[0] for c in lexicon.COMPOUND_SURNAMES}
    words = set()
    with open(Path(jieba.__file__).parent / "dict.txt", encoding="utf-8") as f:
        for line in f:
            word, freq, tag = line.split()
            freq = int(freq)
            if (
                2 <= len(word) <= 3
                and word[0] in firsts
                and ((not tag.startswith("nr") and freq >= 50) or freq >= 150)
            ):
                words.add(word)
    words -= lexicon.PUBLIC_NAMES
    header = "# Written by bench/selfcheck_wordlist.py from jieba 0.42.1's dictionary (MIT licence); one word a line.\n"
    OUT.write_text(header + "\n".join(sorted(words)) + "\n", encoding="utf-8")
    print(f"{len(words)} words → {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
