"""The Seminar mode page under Streamlit's AppTest: it runs on the shipped data and codebook, steps through the
slides with its buttons, opens the slide and deck a link asks for, and answers bad links with a clear message.

Expectations come from the shipped codebook (data/codebook/claims.yaml, read here with plain yaml), the URL
parameter names of data/study.yaml and src.deck's own deck-building rules, never from typed-in values.
"""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from src.study.yaml_io import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
PAGE = str(ROOT / "pages" / "presentation.py")
CLAIMS = parse_yaml((ROOT / "data" / "codebook" / "claims.yaml").read_text(encoding="utf-8"))["claims"]
CLAIM_IDS = [c["id"] for c in CLAIMS]
THEME_OF = {c["id"]: c["theme"] for c in CLAIMS}
# Setting -> URL parameter name (the page's own `present` switch is not a study setting).
URL_NAMES = parse_yaml((ROOT / "data" / "study.yaml").read_text(encoding="utf-8"))["params"]
TIMEOUT = 120


def run_url(query: dict[str, str]) -> AppTest:
    """The page opened at a URL with these query parameters (URL names, as a shared link holds them)."""
    at = AppTest.from_file(PAGE, default_timeout=TIMEOUT)
    for name, value in query.items():
        at.query_params[name] = value
    return at.run()


def run_page(**settings) -> AppTest:
    """The page opened with these settings (slide, deck, focus, guess, present), under the study's URL names."""
    return run_url({URL_NAMES.get(name, name): value for name, value in settings.items()})


def page_text(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in [*at.markdown, *at.caption, *at.info, *at.warning, *at.error])


def slide_counter(at: AppTest) -> str:
    return next(str(m.value) for m in at.markdown if "Slide " in str(m.value) and " of " in str(m.value))


def shows_claim_slide(at: AppTest, claim_id: str) -> bool:
    """The claim's slide is on screen: its id in the small line above the heading (never in the heading itself)."""
    return any(f"Claim {claim_id} " in str(m.value) and "deck-heading" in str(m.value) for m in at.markdown)


def page_styles(at: AppTest) -> str:
    """The page's own CSS (st.html elements holding a <style>)."""
    return "\n".join(str(h.proto.body) for h in at.get("html"))


def expected_slide_count(claim_ids) -> int:
    """Title slide + one slide per theme touched + one per claim (src/deck/slides.py's rule)."""
    return 1 + len({THEME_OF[c] for c in claim_ids}) + len(claim_ids)


def test_the_page_runs_and_shows_the_title_slide_of_the_whole_study():
    at = run_page()
    assert not at.exception
    assert at.error == []
    assert f"Slide 1 of {expected_slide_count(CLAIM_IDS)}" in slide_counter(at)
    assert any("deck-title" in str(m.value) for m in at.markdown)
    assert at.multiselect(key=URL_NAMES["deck"]).value == CLAIM_IDS
    assert at.button(key="previous").disabled
    assert not at.button(key="next").disabled


def test_next_and_previous_change_the_slide():
    at = run_page()
    at.button(key="next").click().run()
    assert not at.exception
    assert "Slide 2 of" in slide_counter(at)
    assert any("deck-kicker" in str(m.value) for m in at.markdown)  # slide 2 is the first theme slide
    at.button(key="next").click().run()
    assert "Slide 3 of" in slide_counter(at)
    assert shows_claim_slide(at, CLAIM_IDS[0])
    at.button(key="previous").click().run()
    assert "Slide 2 of" in slide_counter(at)


def test_a_link_opens_that_slide_of_that_deck():
    deck = [CLAIM_IDS[-1], CLAIM_IDS[0]]
    at = run_page(slide="3", deck=",".join(deck))
    assert not at.exception and at.error == []
    assert at.multiselect(key=URL_NAMES["deck"]).value == deck
    assert f"Slide 3 of {expected_slide_count(deck)}" in slide_counter(at)
    # Slide 3 is the first chosen claim (after the title and its theme slide).
    assert shows_claim_slide(at, deck[0])


def test_the_link_shown_on_the_page_reproduces_the_view():
    deck = [CLAIM_IDS[1], CLAIM_IDS[0]]
    at = run_page(slide="2", deck=",".join(deck), focus="IND", guess="1")
    link = next(str(c.value) for c in at.caption if "Link to this slide" in str(c.value))
    query = link.split("presentation?", 1)[1].rstrip("`")
    params = dict(part.split("=", 1) for part in query.split("&"))
    expected = {"slide": "2", "deck": ",".join(deck), "focus": "IND", "guess": "1"}
    assert params == {URL_NAMES[name]: value for name, value in expected.items()}
    again = run_url(params)
    assert slide_counter(again) == slide_counter(at)
    assert again.multiselect(key=URL_NAMES["deck"]).value == deck
    assert again.selectbox(key=URL_NAMES["focus"]).value == "IND"


@pytest.mark.parametrize("raw", ["abc", "0"])
def test_a_bad_slide_number_gives_a_clear_message(raw):
    at = run_page(slide=raw)
    assert not at.exception
    assert any(f"{URL_NAMES['slide']}={raw}" in str(e.value) for e in at.error)
    assert "Slide 1 of" in slide_counter(at)


def test_a_slide_past_the_end_shows_the_last_slide_with_a_message():
    at = run_page(slide="999", deck=CLAIM_IDS[0])
    assert not at.exception
    total = expected_slide_count([CLAIM_IDS[0]])
    assert any("no slide 999" in str(w.value) for w in at.warning)
    assert f"Slide {total} of {total}" in slide_counter(at)


def test_an_unknown_claim_in_the_link_is_named_and_left_out():
    at = run_page(deck=f"NO.SUCH,{CLAIM_IDS[0]}")
    assert not at.exception
    assert any("NO.SUCH" in str(e.value) for e in at.error)
    assert at.multiselect(key=URL_NAMES["deck"]).value == [CLAIM_IDS[0]]


def test_guess_first_asks_the_question_then_reveals_the_verdict():
    with_question = next(c for c in CLAIMS if c.get("question"))
    at = run_page(deck=with_question["id"], slide="3", guess="1")
    assert not at.exception
    assert at.toggle(key="guess-toggle").value is True
    # The question names the focus country where the codebook writes `{country}`: look for the text around it.
    pieces = [html.escape(p) for p in with_question["question"].split("{country}") if p.strip()]
    assert any(all(p in str(m.value) for p in pieces) for m in at.markdown)
    assert not any('class="deck-verdict"' in str(m.value) for m in at.markdown)
    reveal = next(b for b in at.button if "Reveal" in str(b.label))
    reveal.click().run()
    assert any('class="deck-verdict"' in str(m.value) for m in at.markdown)


def test_in_guess_first_mode_next_reveals_before_it_moves_on():
    with_question = next(c for c in CLAIMS if c.get("question"))
    at = run_page(deck=with_question["id"], slide="3", guess="1")
    at.button(key="next").click().run()
    assert "Slide 3 of" in slide_counter(at)
    assert any('class="deck-verdict"' in str(m.value) for m in at.markdown)
    assert at.button(key="next").disabled  # revealed, and the last slide of this one-claim deck


def test_presentation_view_hides_the_sidebar():
    at = run_page(present="1")
    assert not at.exception
    assert at.toggle(key="present-toggle").value is True
    assert 'data-testid="stSidebar"' in page_styles(at) and "display: none" in page_styles(at)


def test_without_the_present_flag_the_sidebar_stays():
    at = run_page()
    assert at.toggle(key="present-toggle").value is False
    assert "deck-heading" in page_styles(at) and 'data-testid="stSidebar"' not in page_styles(at)


def test_presentation_view_and_guess_first_follow_the_address_in_a_running_page():
    """Back or Forward changes the address of the page already open (the session keeps its widget state): the view
    follows the address each way, as a fresh link to it would show. It stayed as it was before."""
    with_question = next(c["id"] for c in CLAIMS if c.get("question"))
    at = run_page(deck=with_question, slide="3")
    assert at.toggle(key="present-toggle").value is False and at.toggle(key="guess-toggle").value is False
    for name, value in (("present", "1"), ("guess", "1")):
        at.query_params[URL_NAMES.get(name, name)] = value
    at.run()
    assert at.toggle(key="present-toggle").value is True and at.toggle(key="guess-toggle").value is True
    assert 'data-testid="stSidebar"' in page_styles(at)
    assert [b.label for b in at.button if b.label.startswith("Reveal")], "guess-first asks the question first"
    for name in ("present", "guess"):
        del at.query_params[URL_NAMES.get(name, name)]
    at.run()
    assert not at.exception
    assert at.toggle(key="present-toggle").value is False and at.toggle(key="guess-toggle").value is False
    assert 'data-testid="stSidebar"' not in page_styles(at)
    assert any('class="deck-verdict"' in str(m.value) for m in at.markdown)


def test_a_claim_slide_shows_no_file_path_and_no_series_code():
    """The claim counting years of military rule cites the events file in its verdict; the slide says it plainly."""
    events_claim = next(c["id"] for c in CLAIMS if any(t["rule"] == "share_of_years" for t in c["tests"]))
    at = run_page(deck=events_claim, slide="3")
    assert not at.exception
    shown = page_text(at)
    assert shows_claim_slide(at, events_claim)
    assert "data/" not in shown and ".csv" not in shown


def first_claim_slide() -> str:
    """Slide number of the first claim in the default deck: after the title and its theme slide."""
    return "3"


@pytest.mark.browser  # the PNG button shows only when a Chromium is found
def test_a_claim_slide_offers_the_offline_deck_and_its_chart_as_png():
    at = run_page(slide=first_claim_slide())
    labels = [d.proto.label for d in at.get("download_button")]
    assert labels == ["Download the deck (HTML, works offline)", "Download this chart (PNG)"]


def test_without_a_browser_the_page_says_to_use_the_camera_button(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no chromium or chrome to be found
    monkeypatch.delenv("BROWSER_PATH", raising=False)
    at = run_page(slide=first_claim_slide())
    assert not at.exception
    assert [d.proto.label for d in at.get("download_button")] == ["Download the deck (HTML, works offline)"]
    assert any("camera button" in str(i.value) for i in at.info)

