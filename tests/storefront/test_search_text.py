"""Search text without a database: folding, query terms, edit distance and spelling correction."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from shopwright.catalog.search_text import Vocabulary, edit_distance, fold, terms_of


def test_folding_drops_case_and_diacritics():
    assert fold("Crème BRÛLÉE Señor") == "creme brulee senor"


def test_folding_keeps_the_marks_of_other_scripts_as_the_sqlite_index_does():
    assert fold("Ωμέγα Ёлка straße") == "ωμέγα ёлка straße"


def test_query_syntax_never_survives_into_terms():
    assert terms_of('"linen" AND shirt* NEAR(a ^x -y col:z') == ["linen", "and", "shirt", "near", "a", "x", "y", "col"]
    assert terms_of("t-shirt_2") == ["t", "shirt", "2"]
    assert terms_of("  ***  ") == []


def test_terms_are_distinct_and_bounded():
    assert terms_of("Shirt shirt SHIRT") == ["shirt"]
    assert len(terms_of(" ".join(f"w{i}" for i in range(50)))) == 8


def _reference_distance(a: str, b: str) -> int:
    """The textbook table, to check the fast paths against."""
    table = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i, j in itertools.product(range(1, len(a) + 1), range(1, len(b) + 1)):
        table[i][j] = min(table[i - 1][j] + 1, table[i][j - 1] + 1, table[i - 1][j - 1] + (a[i - 1] != b[j - 1]))
        if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
            table[i][j] = min(table[i][j], table[i - 2][j - 2] + 1)
    return table[-1][-1]


@settings(max_examples=2000, deadline=None)
@given(st.text("abcd", max_size=9), st.text("abcd", max_size=9), st.integers(1, 3))
def test_edit_distance_agrees_with_the_textbook_table(a, b, limit):
    expected = _reference_distance(a, b)
    assert edit_distance(a, b, limit) == (expected if expected <= limit else None)


def test_common_typos_are_one_edit():
    assert edit_distance("shrit", "shirt", 1) == 1  # swapped letters
    assert edit_distance("lnen", "linen", 1) == 1  # a missing letter
    assert edit_distance("linnen", "linen", 1) == 1  # an extra letter
    assert edit_distance("lemen", "linen", 1) is None


def test_corrections_come_only_from_the_vocabulary_given():
    words = Vocabulary.build(["Linen shirt", "Linen trousers", "Wool shirt"])
    assert words.correct("shrit") == ("shirt", "shirt")
    assert words.correct("lnen") == ("linen", "linen")
    assert words.correct("trouserz") == ("trousers", "trousers")
    # A prefix with a typo, as typed so far: "trous" misspelt.
    assert words.correct("truos") == ("trous", "trousers")
    assert words.correct("cashmere") is None


def test_a_whole_word_wins_over_a_prefix_of_another():
    words = Vocabulary.build(["Shirt", "Shrimp", "Shrimp", "Shrimp"])
    assert words.correct("shrit") == ("shirt", "shirt")


def test_short_and_numeric_terms_are_never_corrected():
    words = Vocabulary.build(["XL tee", "Size 42"])
    assert words.correct("xs") is None
    assert words.correct("43") is None


def test_prefixes_are_known():
    words = Vocabulary.build(["Linen shirt"])
    assert words.has_prefix("lin")
    assert words.has_prefix("shirt")
    assert not words.has_prefix("shirts")
