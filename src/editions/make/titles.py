"""Title lines: a long title split into two halves of even length, as a typesetter sets it."""

from __future__ import annotations

from markupsafe import Markup, escape

# A title of fewer words is never split: it fits a line, or its words are too few to balance.
FEWEST_WORDS = 4


def halves(title: str) -> list[str]:
    """The title as two runs of words whose lengths differ least, or whole when short."""
    words = title.split()
    if len(words) < FEWEST_WORDS:
        return [title]
    total = len(" ".join(words))
    cut = min(range(1, len(words)),
              key=lambda at: (abs(2 * len(" ".join(words[:at])) + 1 - total), -at))
    return [" ".join(words[:cut]), " ".join(words[cut:])]


def balanced(title: str) -> Markup:
    """The title's halves as spans that wrap as units: on a line wide enough for the whole
    title they sit side by side, on a narrower one they make two lines of even length
    instead of a last line of one word ("much")."""
    return Markup(" ").join(Markup('<span class="line">{}</span>').format(escape(part))
                            for part in halves(title))
