"""The form's HTML: small, self-contained, accessible, escaped, in German and English."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser
from typing import Any

import pytest

from tests.unit.feedback.render_support import survey_of
from touchpoint.respondent_form import render
from touchpoint.surveys import default_in_store_survey

SURVEY = survey_of(default_in_store_survey())
MAX_PAGE_BYTES = 30 * 1024


class Page(HTMLParser):
    """Collects the elements of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.style = ""
        self._in_style = False
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data

    def all(self, tag: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag]


def _form(language: str = "de", **kwargs: Any) -> str:
    ctx = render.PageContext(language, "Café <Mitte> & Co")
    return str(render.form_page(ctx, SURVEY, "tok.en", **kwargs))


@pytest.mark.parametrize("language", ["de", "en"])
def test_form_page_is_small_and_loads_nothing_from_anywhere(language: str) -> None:
    html = _form(language)
    assert len(html.encode("utf-8")) < MAX_PAGE_BYTES
    page = Page(html)
    assert not page.all("script") and not page.all("link") and not page.all("img") and not page.all("iframe")
    urls = [v for _, attrs in page.tags for k, v in attrs.items() if k in ("href", "src", "action", "srcset")]
    assert urls and all(not re.match(r"^[a-z]+:|^//", u) for u in urls), urls
    assert "url(" not in page.style and "@import" not in page.style
    assert page.all("html")[0]["lang"] == language


def test_style_is_allowed_by_its_hash_and_nothing_else() -> None:
    style = Page(_form()).style
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in render.CONTENT_SECURITY_POLICY
    assert "default-src 'none'" in render.CONTENT_SECURITY_POLICY


def test_every_input_has_a_label_and_groups_have_legends() -> None:
    html = _form("en")
    page = Page(html)
    labels = {a["for"] for a in page.all("label")}
    fields = [a for a in page.all("input") if a.get("type") != "hidden"] + page.all("textarea")
    assert fields and all(f["id"] in labels for f in fields)
    radios = [a for a in page.all("input") if a.get("type") == "radio"]
    assert [r["value"] for r in radios] == ["1", "2", "3", "4", "5"]
    assert "How satisfied were you with your visit today?" in html and "<legend>" in html
    assert "very dissatisfied" in html and "very satisfied" in html
    assert page.all("form")[0]["method"] == "post" and "novalidate" in page.all("form")[0]
    honeypot = next(a for a in page.all("input") if a["name"] == "website")
    assert honeypot["tabindex"] == "-1" and honeypot["autocomplete"] == "off"
    assert page.all("nav")[0]["aria-label"] == "Language"
    assert page.all("a")[0] == {"href": "?lang=de", "hreflang": "de", "lang": "de"}


def test_values_are_escaped() -> None:
    html = _form(values={"q_comment": ['</textarea><script>alert("x")</script>']})
    assert "<script>" not in html
    assert "&lt;/textarea&gt;&lt;script&gt;" in html
    assert "Café &lt;Mitte&gt; &amp; Co" in html


def test_errors_sit_next_to_the_field_and_input_is_kept() -> None:
    html = _form(
        "de", values={"q_comment": ["Mein Kommentar"]}, errors={"csat": "Bitte wählen Sie einen Wert."}
    )
    page = Page(html)
    assert page.all("div")[0]["role"] == "alert"
    assert '<a href="#q_csat_1">Bitte wählen Sie einen Wert.</a>' in html
    radios = [a for a in page.all("input") if a.get("type") == "radio"]
    assert all(r["aria-invalid"] == "true" and r["aria-describedby"] == "err_q_csat" for r in radios)
    assert re.search(
        r'<legend>[^<]*<span class="hint">\(Pflichtfeld\)</span></legend><p class="error" id="err_q_csat">',
        html,
    )
    assert ">Mein Kommentar</textarea>" in html


def test_chosen_rating_is_kept() -> None:
    html = _form(values={"q_csat": ["4"]})
    assert 'id="q_csat_4" name="q_csat" value="4" checked' in html


def test_thank_you_page_with_and_without_coupon() -> None:
    ctx = render.PageContext("en", "Store")
    with_coupon = render.thanks_page(ctx, SURVEY, "THANKS-AB12CD")
    assert '<strong id="coupon">THANKS-AB12CD</strong>' in with_coupon
    assert "Thank you for your feedback!" in with_coupon
    without = render.thanks_page(ctx, SURVEY, None)
    assert "coupon" not in without.split("</style>")[1]


@pytest.mark.parametrize(
    "kind", ["not_found", "closed", "expired", "refused", "limited", "duplicate", "error"]
)
@pytest.mark.parametrize("language", ["de", "en"])
def test_message_pages_exist_in_both_languages(kind: str, language: str) -> None:
    html = render.message_page(render.PageContext(language), kind, reload=True)
    assert "<h1>" in html and f'<html lang="{language}">' in html
    assert f'href="?lang={language}"' in html


def test_hostile_survey_texts_and_errors_show_as_text() -> None:
    hostile = "<script>alert(1)</script>"
    survey = SURVEY.model_copy(update={"title": {"de": hostile}, "thank_you": {"de": hostile}})
    ctx = render.PageContext("de", hostile)
    pages = [
        render.form_page(ctx, survey, '"><script>', errors={"csat": hostile}, values={"q_csat": ['"x']}),
        render.form_page(ctx, survey, "t", notice=hostile),
        render.thanks_page(ctx, survey, hostile),
    ]
    for html in pages:
        assert "<script" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert 'name="form_token" value="&#34;&gt;&lt;script&gt;"' in pages[0]
