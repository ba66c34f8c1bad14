"""Keyword highlighting while screening: stems, phrases and an explicit wildcard, escaped safely. Every
expected string is written by hand (which words an English reader would expect to be marked)."""

from __future__ import annotations

import pytest

from screening.highlighting import KeywordMatcher
from screening.templatetags.screening import highlight


def marked(text: str, include=(), exclude=()) -> list[str]:
    return [text[m.start : m.end] for m in KeywordMatcher(include, exclude).find(text)]


@pytest.mark.parametrize(
    ("keyword", "text", "expected"),
    [
        # A word finds its other forms...
        ("rat", "Rats and a rat, in a rat-model study", ["Rats", "rat", "rat"]),
        ("study", "Two studies, one study, studying", ["studies", "study", "studying"]),
        ("randomised", "randomised trials; randomisation; randomly", ["randomised", "randomisation"]),
        # ...but not another word that merely starts the same way.
        ("rat", "the ratio and the rate of depression", []),
        ("trial", "trials of trialists", ["trials"]),
        # A phrase finds its words in a row, in any of their forms, across spaces and hyphens.
        (
            "depressive disorder",
            "Major depressive disorders; depressive-disorder; depressive   disorder; disorder depressive",
            ["depressive disorders", "depressive-disorder", "depressive   disorder"],
        ),
        ("depressive disorder", "depressive mood disorder", []),
        ("depressive disorder", "depressive. Disorder", []),
        # An explicit * finds every word it begins, and nothing else.
        ("ketamin*", "Ketamine, ketamines and esketamine", ["Ketamine", "ketamines"]),
        (
            "anti-depress*",
            "anti-depressants, anti depression, antidepressant",
            ["anti-depressants", "anti depression"],
        ),
        # Case and accents do not matter; "İ" folds to "i" and a combining dot.
        ("insulin", "İnsulin and INSULIN", ["İnsulin", "INSULIN"]),
        ("naive", "naïve patients", ["naïve"]),
    ],
)
def test_keywords_match_stems_phrases_and_wildcards(keyword, text, expected):
    assert marked(text, include=[keyword]) == expected


def test_the_longest_keyword_wins_and_inclusion_wins_a_tie():
    matcher = KeywordMatcher(["serotonin", "placebo"], ["serotonin 1B", "placebo"])
    found = [(m.kind, m.start, m.end) for m in matcher.find("serotonin 1B and serotonin vs placebo")]
    assert found == [("exclude", 0, 12), ("include", 17, 26), ("include", 30, 37)]


def test_highlighting_escapes_the_text_and_never_marks_inside_an_entity():
    html = highlight("<b>Ketamine</b> & rats' amp", ["ketamine", "amp"], ["rat"])
    assert html == (
        '&lt;b&gt;<mark class="include">Ketamine</mark>&lt;/b&gt; &amp; '
        '<mark class="exclude">rats</mark>&#x27; <mark class="include">amp</mark>'
    )


def test_a_keyword_cannot_inject_markup():
    html = highlight("x <script> y", ["<script>", "script"], [])
    assert html == 'x &lt;<mark class="include">script</mark>&gt; y'


def test_no_keywords_or_no_text():
    assert highlight("a < b", [], []) == "a &lt; b"
    assert highlight(None, ["rat"], []) == ""
    assert marked("rats", include=["*", "  "]) == []
