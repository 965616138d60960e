"""Search text without a database: folding, terms, and spelling correction against one store's words.

Everything here is pure Python so both search backends share it, and so the
spelling correction (which SQLite's FTS5 does not have) can be tested on its
own. A store's vocabulary is built only from that store's published
products: a correction must never reveal what another store, or a draft,
contains.
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

# At most this many terms of a query are searched; the rest are ignored, so a
# pasted paragraph costs no more than a short query.
MAX_TERMS = 8
# Prefixes shorter than this are not corrected: too many words are one edit away.
MIN_CORRECTABLE_LENGTH = 3
# Vocabulary words shorter than this are kept only as whole words, not as prefixes.
MIN_PREFIX_LENGTH = 3
# Longest word kept in the vocabulary; longer "words" are SKUs or noise.
MAX_WORD_LENGTH = 30
# The most common words of a store that corrections choose from; bounds memory and time.
MAX_VOCABULARY = 20_000

# A term is a run of letters and digits. Everything else (quotes, `*`, `^`,
# `-`, `:`, parentheses, underscores) separates terms, like FTS5's unicode61
# tokenizer does, so no query syntax ever reaches a MATCH or a tsquery.
_TERM_RE = re.compile(r"[^\W_]+")


_NON_ASCII_RE = re.compile(r"[^\x00-\x7f]")


def fold(text: str) -> str:
    """Lower-case, with the accents of Latin letters removed: "Crème BRÛLÉE" -> "creme brulee".

    This folds as FTS5's unicode61 tokenizer with remove_diacritics does, so
    a query term meets the indexed word: `lower()`, not `casefold()` ("ß"
    stays "ß"), and letters of other scripts keep their marks ("έ" stays).
    """
    if text.isascii():
        return text.lower()
    return _NON_ASCII_RE.sub(_fold_match, text).lower()


def _fold_match(match: re.Match[str]) -> str:
    return _fold_letter(match.group())


@functools.lru_cache(maxsize=4096)
def _fold_letter(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    if decomposed[:1].isascii() and decomposed[:1].isalpha():  # a Latin letter with accents
        return "".join(c for c in decomposed if not unicodedata.combining(c))
    return char


def terms_of(text: str, *, limit: int = MAX_TERMS) -> list[str]:
    """The distinct folded terms of a query, in order, at most `limit`."""
    seen: dict[str, None] = {}
    for term in _TERM_RE.findall(fold(text)):
        if len(term) <= MAX_WORD_LENGTH:
            seen.setdefault(term, None)
        if len(seen) >= limit:
            break
    return list(seen)


def edit_distance(a: str, b: str, limit: int) -> int | None:
    """Optimal-string-alignment distance (insert, delete, substitute, swap neighbours) if it is <= limit, else None.

    Corrections compare a term with thousands of words, so this is the hot
    loop: one edit (the common case) is decided by slicing; more edits by a
    bit-parallel computation over what lies between the common ends.
    """
    if a == b:
        return 0
    if abs(len(a) - len(b)) > limit:
        return None
    if limit == 1:
        return 1 if _one_edit_apart(a, b) else None
    # Typos leave most of a word alone: compare only what lies between the
    # common beginning and the common end.
    start, shortest = 0, min(len(a), len(b))
    while start < shortest and a[start] == b[start]:
        start += 1
    end = 0
    while end < shortest - start and a[-1 - end] == b[-1 - end]:
        end += 1
    distance = _bit_parallel_distance(a[start : len(a) - end], b[start : len(b) - end])
    return distance if distance <= limit else None


def _one_edit_apart(a: str, b: str) -> bool:
    i, shortest = 0, min(len(a), len(b))
    while i < shortest and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        if a[i + 1 :] == b[i + 1 :]:
            return True  # one substitution
        swapped = i + 1 < len(a) and a[i] == b[i + 1] and a[i + 1] == b[i]
        return swapped and a[i + 2 :] == b[i + 2 :]
    if len(a) > len(b):
        return a[i + 1 :] == b[i:]
    return a[i:] == b[i + 1 :]


def _bit_parallel_distance(a: str, b: str) -> int:
    """OSA distance with one machine word per column (Hyyrö's bit-vector algorithm, 2003).

    Each row of the distance table is kept as bit masks of +1/-1 steps, so a
    character of `b` costs a dozen integer operations instead of a Python loop
    over `a`.
    """
    if not a:
        return len(b)
    full = (1 << len(a)) - 1
    last = 1 << (len(a) - 1)
    positions: dict[str, int] = {}
    for i, char in enumerate(a):
        positions[char] = positions.get(char, 0) | (1 << i)
    up, down, diagonal_zero, previous_match = full, 0, 0, 0
    distance = len(a)
    for char in b:
        match = positions.get(char, 0)
        swap = (((full ^ diagonal_zero) & match) << 1) & previous_match
        diagonal_zero = ((((match & up) + up) ^ up) | match | down | swap) & full
        right = (down | (full ^ (diagonal_zero | up))) & full
        left = diagonal_zero & up
        if right & last:
            distance += 1
        elif left & last:
            distance -= 1
        right = ((right << 1) | 1) & full
        left = (left << 1) & full
        up = (left | (full ^ (diagonal_zero | right))) & full
        down = right & diagonal_zero
        previous_match = match
    return distance


def allowed_edits(term: str) -> int:
    """How many typing mistakes a term may have: one up to six letters, two beyond."""
    if len(term) < MIN_CORRECTABLE_LENGTH or term.isdigit():
        return 0
    return 1 if len(term) <= 6 else 2


def letter_mask(text: str) -> int:
    """A 64-bit fingerprint of the letters in `text` (which letters, not how many or where).

    Two letters may share a bit, which only makes the difference between two
    masks smaller: the filter built on it may let a far word through (the real
    distance then rejects it) but never drops a near one.
    """
    mask = 0
    for char in text:
        mask |= 1 << (ord(char) & 63)
    return mask


# A correction candidate: (text, weight, word to show, is a whole word). `text` is a
# word or a prefix of one; `weight` is the number of products containing it (for a
# prefix, summed over its words). Plain tuples: a vocabulary holds tens of thousands.
_Entry = tuple[str, int, str, bool]


@dataclass
class _SameLength:
    """The candidates of one length, with their letter masks in a parallel list (scanned in one comprehension)."""

    masks: list[int] = field(default_factory=list)
    entries: list[_Entry] = field(default_factory=list)


@dataclass
class Vocabulary:
    """The words of one store's published products, ready for prefix checks and corrections."""

    words: list[str] = field(default_factory=list)  # sorted, for prefix look-ups
    by_length: dict[int, _SameLength] = field(default_factory=dict)

    @classmethod
    def build(cls, documents: Iterable[str], *, max_words: int = MAX_VOCABULARY) -> Vocabulary:
        """`documents`: one text per product; a word counts once per product; the `max_words` most common are kept."""
        frequency: Counter[str] = Counter()
        for document in documents:
            frequency.update({t for t in _TERM_RE.findall(fold(document)) if len(t) <= MAX_WORD_LENGTH})
        kept = dict(frequency.most_common(max_words))
        # Every prefix stands for its most common word, so "shri" can become "shir" (-> shirt).
        prefix_weight: Counter[str] = Counter()
        prefix_word: dict[str, tuple[int, str]] = {}
        for word, count in kept.items():
            if word.isdigit():
                continue
            for end in range(MIN_PREFIX_LENGTH, len(word) + 1):
                prefix = word[:end]
                prefix_weight[prefix] += count
                best = prefix_word.get(prefix)
                if best is None or (count, word) > best:
                    prefix_word[prefix] = (count, word)
        by_length: dict[int, _SameLength] = {}
        for prefix, weight in prefix_weight.items():
            group = by_length.setdefault(len(prefix), _SameLength())
            group.masks.append(letter_mask(prefix))
            group.entries.append((prefix, weight, prefix_word[prefix][1], prefix in kept))
        return cls(words=sorted(kept), by_length=by_length)

    def has_prefix(self, term: str) -> bool:
        """Whether some word of the store starts with `term` (what the index finds as `term*`)."""
        at = bisect.bisect_left(self.words, term)
        return at < len(self.words) and self.words[at].startswith(term)

    def correct(self, term: str) -> tuple[str, str] | None:
        """The closest word or word prefix of the store within the allowed edits, as (search term, word to show).

        Closest first; then a whole word before a mere prefix ("shrit" is
        "shirt", not "shri" of "shrimp"); then the one in most products; then
        alphabetical, so the answer does not depend on the order of writes.
        """
        limit = allowed_edits(term)
        if not limit:
            return None
        mask, most_changed = letter_mask(term), 2 * limit
        best: tuple[int, bool, int, str] | None = None
        found: _Entry | None = None
        for length in range(len(term) - limit, len(term) + limit + 1):
            group = self.by_length.get(length)
            if group is None:
                continue
            # Each edit changes the set of letters by at most two: a cheap test
            # that skips nearly every word before the real distance is computed.
            near = [i for i, other in enumerate(group.masks) if (mask ^ other).bit_count() <= most_changed]
            for i in near:
                entry = group.entries[i]
                distance = edit_distance(term, entry[0], limit)
                if distance is None:
                    continue
                rank = (distance, not entry[3], -entry[1], entry[0])
                if best is None or rank < best:
                    best, found = rank, entry
        return (found[0], found[2]) if found else None
