"""The self-check engine: every detector over one text, overlaps resolved, findings with article and severity.

Plain Python (no Django), so that the CLI, the benchmark and other processes import it cheaply. Build an `Engine`
once with the keyword list and roster names (the automaton over them is the only costly part) and call `check` for
each text; `api.check_text` does that with a small cache.

Offsets are code points into the text as given: full-width digits and letters are folded to ASCII one for one
before the patterns run, so nothing shifts.
"""

from __future__ import annotations

import gc
import os
import re
import warnings
from collections.abc import Iterable
from operator import itemgetter

import ahocorasick_rs

# Absolute imports but for detectors: the same source compiled as netconduct.selfcheck._compiled.engine imports the
# compiled detectors beside it and the one lexicon, Finding and citations.
from netconduct.selfcheck import lexicon
from netconduct.selfcheck.citations import CITATIONS
from netconduct.selfcheck.finding import Finding
from netconduct.selfcheck.kinds import (
    ADDRESS,
    BANK_CARD,
    CLASSIFICATION_MARK,
    DOC_NUMBER,
    EMAIL,
    HIGH,
    ID_CARD,
    INTERNAL_MARK,
    IP,
    KEYWORD,
    LANDLINE,
    LOW,
    MEDIUM,
    MOBILE,
    PASSPORT,
    PERSON,
    PERSONAL,
    PLATE,
    PRIORITY,
)

from . import detectors as d

try:
    import cython
except ImportError:  # Cython is not installed: this is the pure Python module
    COMPILED_SOURCE = False
else:
    # True in the build of this source by Cython (typed by _compiled/engine.pxd), where a few loops take a typed path
    # of their own; both paths find the same (tests/test_compiled.py).
    COMPILED_SOURCE = cython.compiled

# A candidate before overlaps are resolved: (start, end, kind, reason, severity, extra). Masks are made only for the
# candidates that survive (`extra` carries what a mask needs: an area code's length, where an address's detail starts).
Candidate = tuple[int, int, str, str, str, int]

_ASCII_LETTERS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")
_HOME_WORDS = re.compile(r"(?:家住|住址|住在|家庭住址|现住|居住|户籍|家在|老家)[：:\s]*$")
_GAZETTEER = re.compile(d.words_pattern(d.CITY_NAMES))
_CJK_RUN_BACK = re.compile(f"[{d.CJK}]+$")
# The characters an address may consist of, read backwards from where it ends: where to start looking for its start.
_ADDRESS_RUN_BACK = re.compile(f"(?:{d.ADDRESS_CHAR}|[0-9])+$")


class Engine:
    """All detectors, configured with the committee's keywords, the roster's names and the organisation's issuer
    codes (发文代字 such as 西北能化党). Immutable once built; safe to share between threads."""

    def __init__(
        self,
        *,
        keywords: Iterable[str] = (),
        roster_names: Iterable[str] = (),
        issuer_codes: Iterable[str] = (),
    ) -> None:
        self.issuer_codes = tuple(
            sorted({c.strip() for c in issuer_codes if c and c.strip()}, key=len, reverse=True)
        )
        entries: dict[str, set[str]] = {}
        for mark in lexicon.INTERNAL_MARKS:
            entries.setdefault(mark, set()).add(INTERNAL_MARK)
        for word in lexicon.NAME_AFTER_WORDS:  # where a name in working chatter may end: looked at by _people
            entries.setdefault(word, set()).add(_CUE)
        for word in lexicon.NAME_LABELS:
            entries.setdefault(word, set()).add(_LABEL)
        for word in lexicon.TITLES:
            entries.setdefault(word, set()).add(_TITLE)
        self.keyword_count = 0
        self._fold_case = False
        for raw in keywords:
            key = normalise_keyword(raw)
            if len(key) >= 2:
                entries.setdefault(key, set()).add(KEYWORD)
                self.keyword_count += 1
                self._fold_case = self._fold_case or any(c in _ASCII_LETTERS for c in key)
        # Roster names are not in the automaton: thousands of names start with hundreds of different characters,
        # and the automaton's scan slows with the number of first characters. A character-class pattern of
        # (first character, second character) finds where a name may start, and a set says whether one does.
        names = {
            name
            for name in (raw.strip() for raw in roster_names if raw)
            if 2 <= len(name) <= 12
            and name not in lexicon.PUBLIC_NAMES
            and name not in lexicon.WORDS_THAT_ARE_NAMES
        }
        self.roster_count = len(names)
        self._names = frozenset(names)
        self._name_lengths = tuple(sorted({len(n) for n in names}, reverse=True))
        self._name_starts = (
            re.compile(f"{_char_class(n[0] for n in names)}(?={_char_class(n[1] for n in names)})")
            if names
            else None
        )
        # The same two classes as bits of one byte per code point (1: a name's first character, 2: its second), for
        # the compiled engine's scan of them (`_name_starts`); None if a name has either outside the BMP.
        self._name_flags = _name_flags(names) if names else None
        # check_many joins texts with _SEPARATOR: no keyword or name may hold its character
        self._batchable = not any(_SEPARATOR_CHAR in key for key in entries) and not any(
            _SEPARATOR_CHAR in name for name in names
        )
        # ahocorasick_rs (Rust's aho-corasick): three times as fast as pyahocorasick over these words, whose many
        # first characters slowed the latter's scan; its matches are (word's index, start, end) in code points, in
        # order of end. Its own choice of automaton: with 10,000 keywords an NFA of ~1.5 MB; the DFA it can be asked
        # for scans a fifth faster but takes ~30 MB, and api.py keeps up to nine engines.
        self._words = list(entries)
        self._word_kinds = [tuple(sorted(entries[key], key=_rank)) for key in self._words]
        self._automaton = ahocorasick_rs.AhoCorasick(self._words)
        self._handlers = {
            "number": self._number,
            "ipv4": self._ipv4,
            "ipv6": self._ipv6,
            "passport": self._passport,
            "plate": self._plate,
            "level": self._classification,
            "doc": self._doc_number,
        }

    # ------------------------------------------------------------------------------------------------ the run

    def check(self, text: str) -> list[Finding]:
        """Three passes over the text: the combined scan (`detectors.SCAN`: numbers, IP addresses, passports,
        plates, classification levels, document numbers, address triggers), the automaton (handling marks, keywords,
        name labels, titles, words of working chatter) and the roster's names; e-mail addresses have a fourth where
        there is an "@". The rest looks only where these found something."""
        if not text:
            return []
        t = d.normalise(text)
        found: list[Candidate] = []
        triggers: list[tuple[int, int]] = []  # where an address may end
        handlers = self._handlers
        kinds = d.SCAN_GROUP_KINDS
        ends: dict[str, int] = {}
        for m in d.SCAN.finditer(t):
            group = m.lastindex
            if group is None:
                continue  # a run of digits or letters that starts no kind
            kind = kinds[group]
            start = m.start()
            if start < ends.get(kind, 0):
                continue  # inside the previous match of the same kind
            end = ends[kind] = m.end(group)
            if kind == "address":
                triggers.append((start, end))
            else:
                handlers[kind](t, start, end, found)
        if "@" in t:
            self._emails(t, found)
        hits = self._hits(self._haystack(t))
        if hits:
            cues: list[int] = []  # where a word of working chatter starts
            labels: list[int] = []  # where a name after a label may start
            titles: list[int] = []  # where a title starts
            self._fixed_strings(t, hits, found, cues, labels, titles)
        else:
            cues = labels = titles = ()  # _people only reads them
        if self._name_starts is not None:
            if COMPILED_SOURCE and self._name_flags is not None:
                starts = _name_starts(self._name_starts, self._name_flags, t, [0, len(t) + 1]).get(0)
            else:
                starts = [m.start() for m in self._name_starts.finditer(t)]
            if starts:
                self._roster(t, starts, found)
        if triggers:
            self._addresses(t, triggers, found)
        _people(t, labels, titles, cues, found)
        return _resolve(text, found)

    def check_many(self, texts: Iterable[str]) -> list[list[Finding]]:
        """`[self.check(text) for text in texts]`, with the same findings, in fewer calls: the texts are joined with
        a separator no pattern, keyword or name can match or look across (`_SEPARATOR`), the three passes run once
        over the joined text, and their matches are handed back to their texts by offset; the rest (validation,
        context, people, overlaps) runs text by text as `check` runs it, on that text alone. A text with no match in
        any pass and nothing else to look at ("@", a colon, a bracket) is done there. Texts holding the separator's
        character are checked by `check`.

        The cyclic garbage collector is paused meanwhile (the findings and the texts' matches, kept to the end of the
        call, made it run a dozen times a call, 3 % of the time; nothing here makes a cycle), and resumed after only
        if it was running before."""
        collecting = gc.isenabled()
        if collecting:
            gc.disable()
        try:
            return self._check_many(texts)
        finally:
            if collecting:
                gc.enable()

    def _check_many(self, texts: Iterable[str]) -> list[list[Finding]]:
        texts = list(texts)
        results: list[list[Finding]] = [[] for _ in texts]
        batch = []
        for i, text in enumerate(texts):
            if not text:
                continue
            if _SEPARATOR_CHAR in text or not self._batchable:
                results[i] = self.check(text)
            else:
                batch.append(i)
        if not batch:
            return results
        joined = d.normalise(_SEPARATOR.join([texts[i] for i in batch]))
        normalised = joined.split(_SEPARATOR)
        haystack = joined
        if self._fold_case:
            haystack = joined.lower()
        if len(haystack) != len(joined):
            # lower() changed the length of some text: per text, as `check` does it
            for i in batch:
                results[i] = self.check(texts[i])
            return results
        bounds = []  # where each text starts in the joined text, and a last one past the end
        pos = 0
        for t in normalised:
            bounds.append(pos)
            pos += len(t) + _SEPARATOR_SIZE
        bounds.append(pos)
        # Each pass's matches come in order of offset, so each text's are consecutive: a list is made only for a text
        # that has some (most texts have matches in one pass or none), keyed by the text's place in the batch.
        scanned: dict[int, list[tuple[str, int, int]]] = {}
        starts: dict[int, list[int]] = {}  # where a roster name may start
        kinds = d.SCAN_GROUP_KINDS
        j, base, following, into = -1, 0, 0, None
        for m in d.SCAN.finditer(joined):  # in order of start
            group = m.lastindex
            if group is None:
                continue  # a run of digits or letters that starts no kind
            start = m.start()
            if start >= following:
                while start >= following:
                    j += 1
                    base, following = bounds[j], bounds[j + 1]
                into = scanned[j] = []
            into.append((kinds[group], start - base, m.end(group) - base))
        all_hits = self._hits(haystack)
        words = _hit_spans(
            all_hits, bounds
        )  # each text's hits: a slice of all_hits, offsets into the joined text
        if self._name_starts is not None:
            starts = _name_starts(self._name_starts, self._name_flags, joined, bounds)
        handlers = self._handlers
        for k, i in enumerate(batch):
            t = normalised[k]
            scan, hits, names = scanned.get(k), words.get(k), starts.get(k)
            if not (scan or hits or names) and not _MORE_TO_LOOK_AT.search(t):
                continue  # what `check` returns for it: nothing
            found: list[Candidate] = []
            triggers: list[tuple[int, int]] = []
            if scan:
                ends: dict[str, int] = {}
                for kind, start, end in scan:
                    if start < ends.get(kind, 0):
                        continue
                    ends[kind] = end
                    if kind == "address":
                        triggers.append((start, end))
                    else:
                        handlers[kind](t, start, end, found)
            if "@" in t:
                self._emails(t, found)
            if hits:
                cues: list[int] = []
                labels: list[int] = []
                titles: list[int] = []
                self._fixed_strings(t, all_hits[hits[0] : hits[1]], found, cues, labels, titles, bounds[k])
            else:
                cues = labels = titles = ()  # _people only reads them
            if names:
                self._roster(t, names, found)
            if triggers:
                self._addresses(t, triggers, found)
            _people(t, labels, titles, cues, found)
            results[i] = _resolve(texts[i], found)
        return results

    def _haystack(self, t: str) -> str:
        """What the automaton scans: the text, lower-cased if a keyword has ASCII letters (and lower() keeps its
        length)."""
        if self._fold_case:
            lowered = t.lower()
            return lowered if len(lowered) == len(t) else t
        return t

    def _hits(self, haystack: str) -> list[tuple[int, int, int]]:
        """Every occurrence of the automaton's words, overlapping ones too: (word's index, start, end)."""
        return self._automaton.find_matches_as_indexes(haystack, True)  # overlapping

    # ------------------------------------------------------------------------------------------------ numbers

    def _number(self, t: str, start: int, end: int, out: list[Candidate]) -> None:
        token = t[start:end]
        if " " in token or "-" in token:
            groups = [(g.start() + start, g.end() + start, g.group()) for g in d.DIGIT_GROUP.finditer(token)]
            self._number_groups(t, groups, out)
        else:
            self._number_run(t, start, end, token, out)

    def _number_groups(self, t: str, groups: list[tuple[int, int, str]], out: list[Candidate]) -> None:
        i = 0
        while i < len(groups):
            used = self._group_shape(t, groups, i, out)
            if used:
                i += used
                continue
            start, end, value = groups[i]
            if end - start >= 7:
                self._number_run(t, start, end, value, out)
            i += 1

    def _group_shape(self, t: str, groups, i: int, out: list[Candidate]) -> int:
        """Numbers written in groups: 6-8-4 IDs, 4-4-4-4(-3) cards, 3-4-4 mobiles, 0xxx-xxxxxxx landlines."""
        window = groups[i : i + 5]
        values = [g[2] for g in window]
        lengths = tuple([len(v) for v in values])
        ends = [g[1] for g in window]  # where the window's first k groups end: ends[k - 1]
        start = groups[i][0]

        if lengths[:3] == (6, 8, 4):
            joined = "".join(values[:3]).upper()
            if d.id18_valid(joined) and not _rejected(t, start, ends[2], strong=True):
                out.append(_id_card(start, ends[2], old=False))
                return 3
        for k in (5, 4):
            if len(lengths) >= k and lengths[:4] == (4, 4, 4, 4) and (k == 4 or 1 <= lengths[4] <= 3):
                joined = "".join(values[:k])
                if joined.isdigit() and self._card_ok(t, start, ends[k - 1], joined, grouped=True):
                    out.append(_bank_card(start, ends[k - 1]))
                    return k
        if values[0] == "86" and len(values) >= 2:
            rest = "".join(values[1:4]) if lengths[1:4] == (3, 4, 4) else values[1]
            used = 4 if lengths[1:4] == (3, 4, 4) else 2
            if d.mobile_valid(rest) and not _rejected(t, start, ends[used - 1]):
                out.append(_mobile(t, start, ends[used - 1]))
                return used
        for shape in ((3, 4, 4), (3, 8), (7, 4)):
            k = len(shape)
            if lengths[:k] == shape:
                joined = "".join(values[:k])
                if d.mobile_valid(joined) and not _rejected(t, start, ends[k - 1]):
                    out.append(_mobile(t, start, ends[k - 1]))
                    return k
        if len(lengths) >= 2 and lengths[0] in (3, 4) and lengths[1] in (7, 8) and values[0][0] == "0":
            if d.landline_valid(values[0], values[1]) and not _rejected(t, start, ends[1]):
                out.append(_landline(start, ends[1], area_len=lengths[0]))
                return 2
        return 0

    def _number_run(self, t: str, start: int, end: int, run: str, out: list[Candidate]) -> None:
        size = end - start
        if run[-1] in "Xx":
            if size == 18 and d.id18_valid(run.upper()) and not _rejected(t, start, end, strong=True):
                out.append(_id_card(start, end, old=False))
            return
        if size == 18:
            if d.id18_valid(run):
                if not _rejected(t, start, end, strong=True):
                    out.append(_id_card(start, end, old=False))
                return
            if _looks_like_id(run):  # an ID number with a wrong check digit is nobody's card
                return
        elif size == 15:
            if d.id15_valid(run) and not _rejected(t, start, end):
                out.append(_id_card(start, end, old=True))
            return
        elif size == 11:
            if run[0] == "1":
                if d.mobile_valid(run) and not _rejected(t, start, end):
                    out.append(_mobile(t, start, end))
            elif run[0] == "0":
                split = d.landline_split(run)
                if split and not _rejected(t, start, end):
                    out.append(_landline(start, end, area_len=len(split[0])))
            return
        elif size == 13 and run.startswith("86"):
            if d.mobile_valid(run[2:]) and not _rejected(t, start, end):
                out.append(_mobile(t, start, end))
            return
        elif size == 12 and run[0] == "0":
            split = d.landline_split(run)
            if split and not _rejected(t, start, end):
                out.append(_landline(start, end, area_len=len(split[0])))
            return
        elif size in (7, 8):
            m = d.AREA_IN_BRACKETS.search(t, max(0, start - 8), start)
            if m and d.landline_valid(m.group(1), run) and not _rejected(t, m.start(), end):
                out.append(_landline(m.start(), end, area_len=len(m.group(1)) + 2))
            return
        if 16 <= size <= 19 and self._card_ok(t, start, end, run, grouped=False):
            out.append(_bank_card(start, end))

    def _card_ok(self, t: str, start: int, end: int, digits: str, *, grouped: bool) -> bool:
        if not (16 <= len(digits) <= 19) or not d.card_prefix_plausible(digits) or not d.luhn_valid(digits):
            return False
        if _rejected(t, start, end):
            return False
        if grouped or d.card_prefix_strong(digits):
            return True
        return d.CARD_CONTEXT.search(t, max(0, start - 16), start) is not None

    # ------------------------------------------------------------------------------------------------ other kinds

    # Each handler below takes one match of its kind from the combined scan: where it starts and ends.

    def _passport(self, t: str, start: int, end: int, out: list[Candidate]) -> None:
        letter = t[start]
        context = d.PASSPORT_CONTEXT.search(t, max(0, start - 20), start) is not None
        if letter != "E" and not context:
            return
        if d.NEGATIVE_CONTEXT.search(t, max(0, start - 8), start):
            return
        if letter in "CW":
            reason = "往来港澳通行证号码"
        elif letter in "HM":
            reason = "港澳居民来往内地通行证（回乡证）号码"
        else:
            reason = "护照号码"
        out.append((start, end, PASSPORT, reason, HIGH, 0))

    def _emails(self, t: str, out: list[Candidate]) -> None:
        for m in d.EMAIL.finditer(t):
            start, end = m.span()
            out.append((start, end, EMAIL, "电子邮箱地址", MEDIUM, 0))

    def _ipv4(self, t: str, start: int, end: int, out: list[Candidate]) -> None:
        n = len(t)
        value = t[start:end]
        if not d.ipv4_valid(value):
            return
        if end + 1 < n and t[end] == "." and t[end + 1].isdigit():
            return
        if end < n and t[end] in d.SECTION_AFTER or (start > 0 and t[start - 1] == "第"):
            return  # 第3.1.2.1条: a section number
        if all(len(p) == 1 for p in value.split(".")) and not d.IP_CONTEXT.search(
            t, max(0, start - 12), start
        ):
            return  # 1.2.3.4 without a word about addresses or servers: a version or a clause
        out.append((start, end, IP, "IP地址", LOW, 0))

    def _ipv6(self, t: str, start: int, end: int, out: list[Candidate]) -> None:
        value = t[start:end]
        if value.count(":") >= 2 and d.ipv6_valid(value):
            out.append((start, end, IP, "IPv6地址", LOW, 0))

    def _plate(self, t: str, start: int, end: int, out: list[Candidate]) -> None:
        kind = d.plate_kind(t[start + 2 : end].lstrip(d.PLATE_SEPARATORS))
        if kind is None or d.NEGATIVE_CONTEXT.search(t, max(0, start - 8), start):
            return
        reason = "新能源汽车号牌" if kind == "new_energy" else "机动车号牌"
        out.append((start, end, PLATE, reason, MEDIUM, 0))

    def _classification(self, t: str, start: int, end: int, out: list[Candidate]) -> None:
        star = d.CLASSIFICATION_STAR.match(t, end)
        if star:
            if (
                t[start] == "秘"
                and start > 0
                and t[start - 1] in d.CASUAL_BEFORE_SECRET
                and star.end() - end <= 1
            ):
                return  # 我的小秘密★ — a star and no period: decoration, not a mark
            out.append(_mark(t, start, star.end()))
        elif d.CLASSIFICATION_LABEL.search(t, max(0, start - 8), start):
            out.append(_mark(t, start, end))
        else:
            line_start = t.rfind("\n", 0, start) + 1
            line_end = t.find("\n", end)
            line_end = len(t) if line_end < 0 else line_end
            if not t[line_start:start].strip(d.LINE_SPACE) and not t[end:line_end].strip(d.LINE_SPACE):
                out.append(_mark(t, start, end))

    def _doc_number(self, t: str, bracket_at: int, end: int, out: list[Candidate]) -> None:
        run = _CJK_RUN_BACK.search(t, max(0, bracket_at - 14), bracket_at)  # up to 14 ideographs before it
        start = run.start() if run else bracket_at
        issuer = t[start:bracket_at]
        own = False
        for code in self.issuer_codes:
            pos = issuer.find(code)
            if pos >= 0:
                start, own = start + pos, True
                break
        else:
            cut = 0
            for stop in d.DOC_STOP_PREFIX.finditer(issuer):
                cut = max(cut, stop.end())
            stops = d.DOC_STOP_CHARS
            for i in range(len(issuer) - 1, cut - 1, -1):  # the last stop character, if after the prefix
                if issuer[i] in stops:
                    cut = i + 1
                    break
            start += cut
        issuer = t[start:bracket_at]
        if t[bracket_at] in "(（" and not own and (len(issuer) < 2 or issuer[-1] not in d.DOC_ISSUER_ENDINGS):
            return  # (2023)36号 without an issuer: too often a room, a case or a list
        if own:
            reason, severity = "本组织（或上级）的发文字号：内部文件的文号和内容不得公开", HIGH
        else:
            reason, severity = "发文字号：引用的如是内部文件，其文号和内容不得公开", LOW
        out.append((start, end, DOC_NUMBER, reason, severity, 0))

    def _fixed_strings(
        self,
        t: str,
        hits,
        out: list[Candidate],
        cues: list[int],
        labels: list[int],
        titles: list[int],
        base: int = 0,
    ) -> None:
        """Handling marks, the committee's keywords, name labels, titles and the words after which a name in chatter
        ends: one pass of one automaton. Labels and titles are then taken as `finditer` on NAME_LABEL and TITLE
        takes them: at each position the longest, none starting inside the one before. `hits` are the automaton's
        (word, start, end), at offsets `base` past the text's."""
        n = len(t)
        words: list[tuple[int, int, str]] = []
        word_kinds = self._word_kinds
        for index, start, end in hits:
            start -= base
            end -= base
            for kind in word_kinds[index]:
                if kind == _CUE:
                    cues.append(start)
                elif kind in (_LABEL, _TITLE):
                    words.append((start, end, kind))
                elif kind == INTERNAL_MARK:
                    out.append((start, end, kind, "内部文件标识：标注内部的资料不得外传", MEDIUM, 0))
                elif kind == KEYWORD:
                    if (d.is_ascii_alnum(t[start]) and start > 0 and d.is_ascii_alnum(t[start - 1])) or (
                        d.is_ascii_alnum(t[end - 1]) and end < n and d.is_ascii_alnum(t[end])
                    ):
                        continue  # "ERP" inside "ERPS"
                    out.append((start, end, kind, "保密关键词：内部项目或系统名称", HIGH, 0))

        if words:
            words.sort(key=_start_longest)
            label_end = title_end = 0
            for start, end, kind in words:
                if kind == _TITLE:
                    if start >= title_end:
                        titles.append(start)
                        title_end = end
                elif start >= label_end:
                    end = _after_label(t, end)
                    labels.append(end)
                    label_end = end

    def _roster(self, t: str, starts: list[int], out: list[Candidate]) -> None:
        names, lengths, n = self._names, self._name_lengths, len(t)
        for start in starts:
            for size in lengths:
                end = start + size
                if end <= n and t[start:end] in names:
                    if end < n and t[end] in lexicon.WORD_CONTINUATION and not d.TITLE.match(t, end):
                        break  # 高峰期, 建国路 (but 高峰厂长)
                    out.append(_person(start, end, "花名册中的人员姓名"))
                    break

    def _addresses(self, t: str, triggers: list[tuple[int, int]], out: list[Candidate]) -> None:
        n = len(t)
        covered = -1
        for trigger_start, trigger_end in triggers:
            if trigger_start < covered or not d.address_trigger_ok(t, trigger_start):
                continue
            run = _ADDRESS_RUN_BACK.search(t, max(0, trigger_start - 40), trigger_start)
            window_start = run.start() if run else trigger_start
            match = None
            for m in d.ADDRESS.finditer(t, window_start, min(n, trigger_end + 30)):
                if m.start() <= trigger_start < m.end():
                    match = m
                    break
            if match is None:
                continue
            start, end = match.span()
            first = next(
                g
                for g in ("province", "city", "district", "town", "village", "road", "estate")
                if match.group(g)
            )
            if first in ("city", "district"):
                # "家鄂尔多斯市…": the city's name starts later than the greedy token
                g = _GAZETTEER.search(t, match.start(first), match.end(first))
                if g and g.start() > start:
                    start = g.start()
            covered = end
            detail = next(
                (match.start(g) for g in ("town", "village", "road", "estate") if match.group(g)), start
            )
            detail = max(detail, start)
            home = _HOME_WORDS.search(t, max(0, start - 8), start) is not None
            has_building = (
                bool(match.group("estate") or match.group("estate_after_road"))
                or t[end - 1] in "室户元楼栋幢"
            )
            severity = HIGH if (home or has_building) else MEDIUM
            out.append((start, end, ADDRESS, "详细地址（具体到门牌号）", severity, detail - start))


# ---------------------------------------------------------------------------------------------------- people

# Functions of the module, not methods (they use nothing of the engine), so that engine.pxd can type them: compiled,
# their offsets are C integers (and _name_lists' text a str, its characters read in C).


def _people(t: str, labels: list[int], titles: list[int], cues: list[int], out: list[Candidate]) -> None:
    """Names after a label (where `labels` end), before a title (where `titles` start), next to personal
    information found so far, after a role label, in brackets, before a word of working chatter (where `cues`
    start) and in a list with a name found so."""
    name_ok, weak_ok = d.is_name, d.is_name_weak
    people: list[tuple[int, int, str]] = []
    for label_end in labels:
        span = d.name_after(t, label_end)
        if span and name_ok(t[span[0] : span[1]]):
            people.append((*span, "标注为姓名的内容"))
    for title_start in titles:
        span = d.name_before(t, title_start)
        if span and name_ok(t[span[0] : span[1]]):
            people.append((*span, "姓名（后接称谓）"))
    for candidate in out:
        if candidate[2] not in _ANCHOR_KINDS:
            continue
        start = candidate[0]
        before = t[max(0, start - 12) : start][::-1]
        bridge = d.NAME_BRIDGE_REVERSED.match(before)
        name_end = start - bridge.end() if bridge else start
        span = d.name_before(t, name_end)
        if span and name_ok(t[span[0] : span[1]]):
            people.append((*span, "与个人信息相邻的姓名"))
    if "：" in t or ":" in t:
        for m in d.ROLE_LABEL_END.finditer(t):
            if t[max(0, m.start() - 1) : m.start() + 1] in lexicon.ROLE_LABEL_NOT:
                continue
            span = d.name_after(t, m.end())
            if span and name_ok(t[span[0] : span[1]]):
                people.append((*span, "标注为姓名的内容"))
    if "（" in t or "(" in t:
        for m in d.NAMES_IN_BRACKETS.finditer(t):
            pos = m.start(1)
            for part in m.group(1).split("、"):
                span = d.name_after(t, pos)
                if span and span[1] == pos + len(part) and weak_ok(part):
                    people.append((*span, "括号中的姓名"))
                pos += len(part) + 1
    for end in cues:
        # "和王建国一起", "上午李娜打电话": the shortest name before the word, after a verb, a time or a stop
        if not d.name_may_end_before(t, end):
            continue  # most words of chatter follow no name ("各单位负责", "经核实")
        for size in (2, 3, 4):
            start = end - size
            if start < 0:
                break
            if (start == 0 or t[start - 1] in d.CHATTER_BEFORE) and d.name_exact(t, start, end):
                if weak_ok(t[start:end]) and not _has_title(t, start, end):
                    people.append((start, end, "姓名（言谈中提及）"))
                break
    if not (people or out):
        return
    if "、" in t or "和" in t or "与" in t or "及" in t:  # NAME_LIST_JOINERS: a list of names is possible
        known = [(c[0], c[1]) for c in out if c[2] == PERSON] + [p[:2] for p in people]
        joiners = d.NAME_LIST_JOINERS
        n = len(t)
        for start, end in known:
            if (end < n and t[end] in joiners) or (start > 0 and t[start - 1] in joiners):
                _name_lists(t, known, people)
                break
    for start, end, reason in people:
        out.append((start, end, PERSON, reason, MEDIUM, 0))


def _name_lists(t: str, known: list[tuple[int, int]], people: list[tuple[int, int, str]]) -> None:
    """Names in a list with a name already found ("王建国、李娜和张伟同志"): a surname and a given name between the
    list's joiners (、和与及) and the punctuation around it."""
    seen = set(known)
    todo = list(known)
    n = len(t)
    while todo:
        start, end = todo.pop()
        found = []
        if end + 1 < n and t[end] in d.NAME_LIST_JOINERS:
            span = d.name_after(t, end + 1)
            # "和郑爽三位": the shorter name, which the list's edge follows
            if span and span[1] - span[0] == 3 and span[1] < n and t[span[1]] not in d.NAME_LIST_EDGE:
                span = (span[0], span[1] - 1)
            if span and (span[1] >= n or t[span[1]] in d.NAME_LIST_EDGE or d.TITLE.match(t, span[1])):
                found.append(span)
        if start > 1 and t[start - 1] in d.NAME_LIST_JOINERS:
            span = d.name_before(t, start - 1)
            # "感谢史强、…": 谢 is a surname too, but 感 is no list's edge, so the name is the shorter one
            if span and span[1] - span[0] == 3 and span[0] > 0 and t[span[0] - 1] not in d.NAME_LIST_START:
                span = (span[0] + 1, span[1])
                span = span if d.name_exact(t, span[0], span[1]) else None
            if span and (span[0] == 0 or t[span[0] - 1] in d.NAME_LIST_START):
                found.append(span)
        for span in found:
            if span not in seen and d.is_name_weak(t[span[0] : span[1]]) and not _has_title(t, *span):
                seen.add(span)
                todo.append(span)
                people.append((*span, "姓名（与其他姓名并列）"))


# ---------------------------------------------------------------------------------------------------- helpers

# Between the texts that check_many joins: NUL, which no pass can match or run across (detectors.SCAN has no negated
# class, no "\\W", "\\S" or "\\D", and "." only inside its lookbehinds; no keyword or roster name holds it), four times,
# so that a lookbehind at a text's start (SCAN's are two characters wide) sees only NULs, where in the text alone it
# sees nothing. tests/test_batch.py compares check_many with check on both corpora and on random texts.
_SEPARATOR_CHAR = "\x00"
_SEPARATOR_SIZE = 4
_SEPARATOR = _SEPARATOR_CHAR * _SEPARATOR_SIZE
# Besides the three passes, what `check` looks at: an e-mail's "@", a role label's colon, names' brackets
_MORE_TO_LOOK_AT = re.compile("[@：:（(]")

# In the automaton beside the kinds of finding: a word of working chatter, a name label, a title.
_CUE, _LABEL, _TITLE = "cue", "label", "title"
# Personal information next to which a name is looked for
_ANCHOR_KINDS = PERSONAL - {PERSON}


def _name_flags(names: Iterable[str]) -> bytes | None:
    """Bit 1 for the first character of a name, bit 2 for the second, one byte per code point of the BMP."""
    flags = bytearray(0x10000)
    for name in names:
        first, second = ord(name[0]), ord(name[1])
        if first >= 0x10000 or second >= 0x10000:
            return None
        flags[first] |= 1
        flags[second] |= 2
    return bytes(flags)


def _name_starts(
    pattern: re.Pattern, flags: bytes | None, joined: str, bounds: list[int]
) -> dict[int, list[int]]:
    """Where a roster name may start in each text of `joined` (`bounds`: where each starts, and where the last ends),
    as offsets into that text, for the texts that have some: where `pattern` (a name's first character before a
    second one) matches. Compiled, with `flags`: the same positions found by one loop in C over the characters."""
    starts: dict[int, list[int]] = {}
    j, base, following, into = -1, 0, 0, []
    if COMPILED_SOURCE and flags is not None:
        table = flags
        previous = 0
        i = -1
        for ch in joined:
            i += 1
            code = ord(ch)
            bits = table[code] if code < 0x10000 else 0
            if (bits & 2) and (previous & 1):
                start = i - 1
                if start >= following:
                    while start >= following:
                        j += 1
                        base, following = bounds[j], bounds[j + 1]
                    into = starts[j] = []
                into.append(start - base)
            previous = bits
        return starts
    for m in pattern.finditer(joined):
        start = m.start()
        if start >= following:
            while start >= following:
                j += 1
                base, following = bounds[j], bounds[j + 1]
            into = starts[j] = []
        into.append(start - base)
    return starts


def _hit_spans(hits: list[tuple[int, int, int]], bounds: list[int]) -> dict[int, tuple[int, int]]:
    """For each text of a joined batch that has hits of the automaton (in order of end), where they are in `hits`:
    text's place → (first, past the last). No tuple is made again per hit."""
    spans: dict[int, tuple[int, int]] = {}
    j, following, lo = -1, 0, 0
    count = len(hits)
    for k in range(count):
        end = hits[k][2]
        if end > following:
            if k > lo:
                spans[j] = (lo, k)
            while end > following:
                j += 1
                following = bounds[j + 1]
            lo = k
    if count:
        spans[j] = (lo, count)
    return spans


def _start_longest(word: tuple[int, int, str]) -> tuple[int, int]:
    """Labels and titles found by the automaton, by start and the longest first (as `finditer` takes them)."""
    return word[0], -word[1]


def _after_label(t: str, end: int) -> int:
    """Where a name after a label starts: past the spaces and one colon after it (as NAME_LABEL's tail)."""
    n = len(t)
    while end < n and t[end] in " \t":
        end += 1
    if end < n and t[end] in "：:":
        end += 1
    while end < n and t[end] in " \t":
        end += 1
    return end


def _rank(kind: str) -> int:
    return PRIORITY.get(kind, len(PRIORITY))


def _char_class(chars: Iterable[str]) -> str:
    return "[" + "".join(sorted({"\\" + c if c in "\\]^-[" else c for c in chars})) + "]"


def normalise_keyword(raw: str) -> str:
    """A keyword as the automaton holds it: full-width folded, trimmed, ASCII letters lower-cased."""
    key = d.normalise((raw or "").strip())
    return key.lower() if len(key.lower()) == len(key) else key


def _rejected(t: str, start: int, end: int, *, strong: bool = False) -> bool:
    """A number that is an amount, a decimal, part of a code, or an order/serial number by its context."""
    n = len(t)
    if end < n:
        nxt = t[end]
        if nxt in d.UNIT_AFTER or nxt in _ASCII_LETTERS:
            return True
        if nxt == "." and end + 1 < n and t[end + 1].isdigit():
            return True
    if start > 0 and t[start - 1] in d.CURRENCY_BEFORE:
        return True
    return not strong and d.NEGATIVE_CONTEXT.search(t, max(0, start - 8), start) is not None


def _looks_like_id(run: str) -> bool:
    if run[:2] not in lexicon.ID_PROVINCES:
        return False
    year = int(run[6:10])
    return 1900 <= year <= 2100 and d.valid_date(year, int(run[10:12]), int(run[12:14]))


def _id_card(start: int, end: int, *, old: bool) -> Candidate:
    reason = "15位居民身份证号码（出生日期有效）" if old else "居民身份证号码（出生日期与校验码有效）"
    return (start, end, ID_CARD, reason, HIGH, 0)


def _bank_card(start: int, end: int) -> Candidate:
    return (start, end, BANK_CARD, "银行卡号（长度与Luhn校验有效）", HIGH, 0)


def _mobile(t: str, start: int, end: int) -> Candidate:
    before = t[start - 1] if start > 0 else ""
    # a country code ends right before the number, or one space or dash before it: only then is it looked for
    prefix = d.COUNTRY_CODE.search(t, max(0, start - 7), start) if before and before in "6)） -" else None
    if prefix:
        start = prefix.start()
    elif before == "+" and t.startswith("86", start):
        start -= 1
    return (start, end, MOBILE, "手机号码", MEDIUM, 0)


def _landline(start: int, end: int, *, area_len: int) -> Candidate:
    return (start, end, LANDLINE, "带区号的固定电话号码", LOW, area_len)


def _mark(t: str, start: int, end: int) -> Candidate:
    word = t[start : start + 2]
    return (
        start,
        end,
        CLASSIFICATION_MARK,
        f"密级标志（{word}）：标有密级的内容属于国家秘密，严禁在网上发布",
        HIGH,
        0,
    )


def _has_title(t: str, start: int, end: int) -> bool:
    """王经理, 李主任: a surname and a title, not a full name."""
    return any(d.TITLE.match(t, i) for i in range(start + 1, end))


def _person(start: int, end: int, reason: str) -> Candidate:
    return (start, end, PERSON, reason, MEDIUM, 0)


def mask(kind: str, value: str, extra: int = 0) -> str:
    """The same-length mask a finding of `kind` shows (and a redacted copy prints) instead of `value`."""
    # The kinds in order of how often the benchmark's corpora find them (names a third of all findings)
    if kind == PERSON:
        return d.mask_head(value, 2 if value[:2] in lexicon.COMPOUND_SURNAMES else 1)
    if kind == MOBILE:
        return d.mask_mobile(value)
    if kind in (BANK_CARD, ID_CARD):
        return d.mask_keep(value, 4, 4)
    if kind == KEYWORD:
        return d.mask_keep(value, 1, 0)
    if kind == IP:
        return d.mask_ip(value)
    if kind == PLATE:
        return value[:2] + d.mask_keep(value[2:], 0, 1)
    if kind == ADDRESS:
        return value[:extra] + d.mask_keep(value[extra:], 0, 0)
    if kind == PASSPORT:
        return d.mask_keep(value, 1, 2)
    if kind == LANDLINE:
        return value[:extra] + d.mask_keep(value[extra:], 0, 2)
    if kind == EMAIL:
        return d.mask_email(value)
    return d.mask_all(value)  # marks, document numbers (and any other kind)


# Findings are made by setting their slots directly: a frozen dataclass's __init__ goes through object.__setattr__
# for each field, twice as slow, and the engine makes one for every finding of every text. (Here, not in finding.py,
# so that the compiled engine compiles it too.)
_new_object = object.__new__
# Finding's slots, in the order of _finding's arguments
_SLOTS = ("kind", "start", "end", "masked", "reason", "article", "severity")
_set_kind, _set_start, _set_end, _set_masked, _set_reason, _set_article, _set_severity = (
    Finding.__dict__[f].__set__ for f in _SLOTS
)
if COMPILED_SOURCE:
    _find_slots(Finding, _SLOTS)  # noqa: F821 (engine.pxd: where each slot is in a Finding)


def _finding(
    kind: str, start: int, end: int, masked: str, reason: str, article: str, severity: str
) -> Finding:
    if COMPILED_SOURCE:
        # Compiled: allocated as object.__new__ allocates it, and each value stored where its slot's descriptor says
        # the slot is (engine.pxd), past the frozen class's __setattr__: no lookup and no call per field
        return _new_finding(Finding, kind, start, end, masked, reason, article, severity)  # noqa: F821
    f = _new_object(Finding)
    _set_kind(f, kind)
    _set_start(f, start)
    _set_end(f, end)
    _set_masked(f, masked)
    _set_reason(f, reason)
    _set_article(f, article)
    _set_severity(f, severity)
    return f


_START = itemgetter(0)


def _resolve(text: str, found: list[Candidate]) -> list[Finding]:
    """Overlapping candidates give way to the kind that comes first in PRIORITY, then to the longer one.

    Clusters of mutually overlapping candidates are resolved one at a time, so the cost stays linear in the text.
    """
    if not found:
        return []
    if len(found) == 1:
        return [
            _finding(k, s, e, mask(k, text[s:e], extra), reason, CITATIONS[k], sev)
            for s, e, k, reason, sev, extra in found
        ]
    # By start only, and stably: candidates with the same span keep the order in which the detectors found them.
    found.sort(key=_START)
    previous_end = 0
    for cand in found:
        if cand[0] < previous_end:
            break  # overlaps the one before
        previous_end = cand[1]
    else:  # nothing overlaps: the common case
        return [
            _finding(k, s, e, mask(k, text[s:e], extra), reason, CITATIONS[k], sev)
            for s, e, k, reason, sev, extra in found
        ]
    kept: list[Candidate] = []
    cluster: list[Candidate] = []
    cluster_end = -1
    for cand in found:
        if cluster and cand[0] >= cluster_end:
            if len(cluster) == 1:
                kept.append(cluster[0])
            else:
                kept.extend(_resolve_cluster(cluster))
            cluster, cluster_end = [], -1
        cluster.append(cand)
        if cand[1] > cluster_end:
            cluster_end = cand[1]
    kept.extend(_resolve_cluster(cluster))
    kept.sort(key=_START)
    return [
        _finding(k, s, e, mask(k, text[s:e], extra), reason, CITATIONS[k], sev)
        for s, e, k, reason, sev, extra in kept
    ]


def _resolve_cluster(cluster: list[Candidate]) -> list[Candidate]:
    if len(cluster) == 1:
        return cluster
    chosen: list[Candidate] = []
    for cand in sorted(cluster, key=_precedence):
        start, end = cand[0], cand[1]
        for other in chosen:  # a loop, not all() over a generator: no closure made per candidate
            if end > other[0] and start < other[1]:
                break  # overlaps one chosen before it
        else:
            chosen.append(cand)
    return chosen


def _precedence(cand: Candidate) -> tuple[int, int, int]:
    """The kind that comes first in PRIORITY, then the longer candidate, then the first."""
    return PRIORITY[cand[2]], cand[0] - cand[1], cand[0]


def redact(text: str, findings: Iterable[Finding]) -> str:
    """The text with every finding replaced by its mask (same length, so other offsets stay valid)."""
    parts: list[str] = []
    pos = 0
    for f in sorted(findings, key=lambda f: f.start):
        if f.start < pos:
            continue
        parts.append(text[pos : f.start])
        parts.append(f.masked)
        pos = f.end
    parts.append(text[pos:])
    return "".join(parts)


__all__ = [
    "Engine",
    "PureEngine",
    "COMPILED",
    "Finding",
    "LOW",
    "MEDIUM",
    "HIGH",
    "redact",
    "normalise_keyword",
]


# ---------------------------------------------------------------------------------------------------- compiled

PureEngine = Engine


def _compiled_engine() -> type[Engine] | None:
    """This module's Engine compiled by Cython (`netconduct.selfcheck._compiled`), if it was built from these very
    sources and NETCONDUCT_SELFCHECK_PURE is not set; else None. Its findings are the same (tests/test_compiled.py)."""
    if __name__ != "netconduct.selfcheck.engine" or os.environ.get("NETCONDUCT_SELFCHECK_PURE"):
        return None  # in the compiled module itself, or pure on purpose
    try:
        from ._compiled import engine as compiled
        from ._compiled import is_current
    except ImportError:
        return None  # not built
    if not is_current():
        warnings.warn(
            "netconduct.selfcheck._compiled was built from other sources: using the pure Python engine "
            "(rebuild: python -m netconduct.selfcheck._compiled.build)",
            RuntimeWarning,
            stacklevel=2,
        )
        return None
    return compiled.Engine


Engine = _compiled_engine() or PureEngine  # type: ignore[misc]
COMPILED = Engine is not PureEngine
