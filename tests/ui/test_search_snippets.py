"""How a search hit reads in the list: title, snippet without Markdown, matches in bold."""

from __future__ import annotations

from app.core.store_records import SearchHit
from app.ui.search_dialog import snippet_html


def hit(snippet: str, message_id: str | None = "m1") -> SearchHit:
    return SearchHit("c1", message_id, "Recipes <&>", snippet, -1.0)


def test_markdown_markup_is_dropped_and_matches_are_bold() -> None:
    text = "## Steps\n- use **«flour»** and `salt`\n> quote 2 * 3\n1. mix"
    assert snippet_html(hit(text), "Untitled") == (
        "<b>Recipes &lt;&amp;&gt;</b><br>Steps use <b>flour</b> and salt quote 2 * 3 mix"
    )


def test_a_title_match_shows_the_title_alone_and_untitled_is_named() -> None:
    assert snippet_html(hit("«Recipes» <&>", None), "Untitled") == (
        "<b><b>Recipes</b> &lt;&amp;&gt;</b>"
    )
    assert snippet_html(SearchHit("c", "m", "", "x", 0.0), "Untitled") == "<b>Untitled</b><br>x"
