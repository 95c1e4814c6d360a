"""Hostile text in one long paragraph: the word diff and the sentence splitter stay near-linear,
and say on long texts what they say on short ones."""

from __future__ import annotations

import difflib
import random

import pytest

from editions import prose
from editions.prose import semantic_lines, word_change, word_diff


def changed_every(words: list[str], step: int) -> list[str]:
    return [("CHANGED" if i % step == 0 else w) for i, w in enumerate(words)]


def test_difflib_never_gets_a_long_text_whole(monkeypatch: pytest.MonkeyPatch) -> None:
    sizes: list[int] = []
    original = difflib.SequenceMatcher.set_seqs

    def recording(self: difflib.SequenceMatcher[str], a: list[str], b: list[str]) -> None:
        sizes.append(max(len(a), len(b)))
        original(self, a, b)

    monkeypatch.setattr(difflib.SequenceMatcher, "set_seqs", recording)
    words = [f"w{i % 7}" for i in range(40_000)]
    new = changed_every(words, 50)
    hunks = word_diff(" ".join(words), " ".join(new))
    assert len(hunks) == 800
    assert hunks[1] == "… w4 w5 w6 w0 [-w1-] {+CHANGED+} w2 w3 w4 w5 …"
    change, offset = word_change(" ".join(words), " ".join(new))
    assert (change, offset) == ("'w0 w1 w2' → 'CHANGED w1 w2'", 0)
    assert max(sizes) <= prose.WHOLE


def test_long_texts_get_the_hunks_short_ones_get(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(5)
    words = [rng.choice(["care", "pain", "walk", "sleep", "LDN", "doctor", "well", "the"])
             for _ in range(3_000)]
    new = changed_every(words, 37)
    del new[1_000:1_004]
    new[2_000:2_000] = ["a", "new", "sentence."]
    whole = word_diff(" ".join(words), " ".join(new))
    monkeypatch.setattr(prose, "WHOLE", 100)
    assert word_diff(" ".join(words), " ".join(new)) == whole


@pytest.mark.parametrize(("text", "lines"), [("Dr. " * 20_000, 1), (". A" * 20_000, 1),
                                            ("It is so. " * 20_000, 20_000)])
def test_the_sentence_splitter_reads_a_long_paragraph_once(text: str, lines: int) -> None:
    # Quadratic before: each full stop re-read the paragraph up to it (33 s for the first).
    assert semantic_lines(text).count("\n") == lines
