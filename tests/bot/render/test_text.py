"""The one escaping policy: text users wrote never formats, links or pings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.render.limits import truncate
from bot.render.text import _escaped, one_line, user_text


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Wikimedia and OpenStreetMap", "Wikimedia and OpenStreetMap"),
        ("wiki-to-print", "wiki-to-print"),
        ("- a list", "\\- a list"),
        ("**bold** and _it_", "\\*\\*bold\\*\\* and \\_it\\_"),
        ("# heading", "\\# heading"),
        ("> quote", "\\> quote"),
        ("hi @everyone", "hi @\u200beveryone"),
        ("[site](https://example.org)", "\\[site](https://example.org)"),
        ("see https://example.org/a_b", "see https://example.org/a_b"),
    ],
)
def test_markdown_headings_lists_and_mentions_are_escaped(text: str, shown: str) -> None:
    assert user_text(text) == shown


@given(st.text(alphabet=st.sampled_from("ab -_*#>@[]()\n:/.~|`\\"), max_size=40))
def test_plain_text_is_shown_as_the_full_escaping_would_show_it(text: str) -> None:
    assert user_text(text) == _escaped(text)
    assert user_text(text, 12) == truncate(_escaped(text), 12)


def test_one_line_joins_lines_and_fits() -> None:
    assert one_line("Wikimedia\n and   OSM", 100) == "Wikimedia and OSM"
    assert len(one_line("word " * 100, 30)) <= 30
