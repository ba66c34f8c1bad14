"""Every page carries a Content-Security-Policy that runs only our own static scripts and styles, and no
template relies on what it forbids (the browser tests run the pages under it)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

INLINE = {
    "an inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "an event handler attribute": re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE),
    "a style attribute": re.compile(r"<[^>]*\sstyle\s*=", re.IGNORECASE),
    "a <style> element": re.compile(r"<style[\s>]", re.IGNORECASE),
    "a javascript: address": re.compile(r"javascript:", re.IGNORECASE),
}


@pytest.mark.django_db
def test_pages_carry_the_policy(review, reviewer, client_for):
    response = client_for(reviewer).get(reverse("review:dashboard", args=[review.slug]))
    policy = dict(
        directive.strip().split(" ", 1) for directive in response["Content-Security-Policy"].split(";")
    )
    assert policy["default-src"] == "'self'"
    assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'"
    assert policy["object-src"] == "'none'" and policy["base-uri"] == "'none'"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.django_db
def test_the_log_in_and_error_pages_carry_it_too(client):
    assert "script-src 'self'" in client.get(reverse("login"))["Content-Security-Policy"]
    assert "script-src 'self'" in client.get("/no/such/page/")["Content-Security-Policy"]


@pytest.mark.parametrize(
    "path", sorted(TEMPLATES.rglob("*.html")), ids=lambda p: str(p.relative_to(TEMPLATES))
)
def test_no_template_needs_what_the_policy_forbids(path):
    text = re.sub(r"\{#.*?#\}|\{% comment %\}.*?\{% endcomment %\}", "", path.read_text(), flags=re.DOTALL)
    found = [what for what, pattern in INLINE.items() if pattern.search(text)]
    assert not found, f"{path.name} has {', '.join(found)}: move it to config/static (see js/app.js)"


def test_htmx_is_told_not_to_inject_styles_or_evaluate_code():
    base = (TEMPLATES / "base.html").read_text()
    assert '"includeIndicatorStyles": false' in base and '"allowEval": false' in base
