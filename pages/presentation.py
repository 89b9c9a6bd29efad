"""Seminar mode: the study as slides for a projector (one theme or claim per slide, big type, the chart, the
verdict, the source), with an optional guess-first step, and the deck as one offline HTML file or a chart as PNG.

Thin page: src/deck/ builds the slides (each claim slide from the same ClaimView as the Claims page) and the
export; this file reads the URL and the widgets and shows one slide.
URL (names from data/study.yaml): ?deck=C2.3,C1.1 (claims in order) &slide=N &focus=PAK &peers=south_asia &guess=1
&present=1.
"""

import dataclasses
import html

import streamlit as st

from src import deck
from src.app import boot, data, show, url, widgets
from src.views import make_comparison, shown_aggregates

boot.enter_page()

# Only this page's own switch; every shared parameter name comes from the study (data/study.yaml).
PRESENT_PARAM = "present"

# Our own look (src/deck/static/page.css, nothing fetched): large type for the back of a seminar room; with
# `?present=1` also the sidebar, header and toolbar out of the way, so a slide fits a 1024x768 projector.
SLIDE_CSS = deck.page_css()
PRESENT_CSS = deck.page_css(presenting=True)
# The height a slide gives its charts in the app (Streamlit draws a chart at a fixed height): what a 1024x768
# projector leaves under the heading and question and above the verdict and the navigation, in presentation view.
CHART_ROOM_PX = 340


def reveal_key(slide: deck.Slide) -> str:
    return f"revealed-{slide.claim_id}"


def waits_for_reveal(slide: deck.Slide, guess_first: bool) -> bool:
    """In guess-first mode a claim slide with a question hides its answer until the presenter reveals it."""
    asks = guess_first and slide.kind == "claim" and bool(slide.question)
    return asks and not st.session_state.get(reveal_key(slide))


def reveal(slide: deck.Slide) -> None:
    st.session_state[reveal_key(slide)] = True


def step_forward(slide: deck.Slide, number: int, guess_first: bool, param: str) -> None:
    """Next: reveal the answer first when the slide is still asking its question (as the HTML deck does)."""
    if waits_for_reveal(slide, guess_first):
        reveal(slide)
    else:
        go_to(number + 1, param)


def go_to(number: int, param: str) -> None:
    """Button callback: put the slide number in the URL as `param` (slide 1 is the default: a clean URL)."""
    if number <= 1:
        st.query_params.pop(param, None)
    else:
        st.query_params[param] = str(number)


def flag_from_address(widget_key: str, param: str, on: bool) -> bool:
    """A toggle shows what the address says (`on`, read from `?param=1`) on every run, before it is drawn: an address
    reached by Back or Forward inside the running page changes the view too (the session kept the old value)."""
    st.session_state[widget_key] = on
    return on


def sync_flag(widget_key: str, param: str) -> None:
    """Toggle callback: `?param=1` while the toggle is on, nothing in the URL while it is off."""
    if st.session_state[widget_key]:
        st.query_params[param] = "1"
    else:
        st.query_params.pop(param, None)


def block(css_class: str, text: str, *, prefix: str = "") -> str:
    """A piece of slide text in our large type (escaped: codebook text is never read as HTML)."""
    return f'<div class="{css_class}">{prefix}{html.escape(text)}</div>'


def show_blocks(*blocks: str) -> None:
    """Several pieces of text as ONE element: Streamlit puts a gap between elements, and a slide has no room."""
    st.markdown("".join(b for b in blocks if b), unsafe_allow_html=True)


def projected(slide):
    """The slide with its charts as the projector's copies: >= 18 px text, sharing the slide's chart room, the
    source line printed once under the verdict instead of inside."""
    room = CHART_ROOM_PX // max(len(slide.figures), 1)
    return dataclasses.replace(slide, figures=tuple(deck.projector_figure(f, height=room) for f in slide.figures))


def show_slide(slide: deck.Slide, number: int, guess_first: bool) -> None:
    kicker = block("deck-kicker", slide.kicker) if slide.kicker else ""
    if slide.kind == "title":
        show_blocks(block("deck-title", slide.title), slide.text and block("deck-text", slide.text),
                    block("deck-text deck-small", slide.settings_line))
        return
    if slide.kind == "theme":
        show_blocks(kicker, block("deck-title", slide.title), slide.text and block("deck-text", slide.text))
        return
    show_blocks(
        kicker, block("deck-heading", slide.title), slide.caption and block("deck-caption", slide.caption),
        slide.question and block("deck-question", slide.question),
    )
    if waits_for_reveal(slide, guess_first):
        st.button("Reveal the number and the verdict", key=f"reveal-{number}", type="primary",
                  icon=":material/visibility:", on_click=reveal, args=(slide,), shortcut="Down")
        return
    for index, figure in enumerate(slide.figures):
        show.show_figure(figure, key=f"slide-figure-{number}" + (f"-{index + 1}" if index else ""))
    checks = f'<strong class="deck-checks">{html.escape(slide.checks)}.</strong> ' if slide.checks else ""
    footer = " ".join(line for line in (slide.settings_line, slide.source_line) if line)
    show_blocks(
        block("deck-verdict", slide.key_sentence, prefix=deck.badge_html(slide.status, "deck-badge") + checks),
        footer and block("deck-source", footer),
    )


# Read before the toggle is drawn (it sits under the slide): the look must be set before the slide shows.
presenting = flag_from_address("present-toggle", PRESENT_PARAM, st.query_params.get(PRESENT_PARAM) == "1")
# st.html with only a <style> takes no room on the page (a markdown element would add a gap).
st.html(PRESENT_CSS if presenting else SLIDE_CSS)

# --- the deck: which claims, for which country and peers (all in the URL) ------------------------------------
study = data.get_study()
defaults = study.defaults
params = defaults.params
state, problems = deck.state_from_params({k: st.query_params.get_all(k) for k in st.query_params}, defaults)
for problem in problems:
    url.url_param_error(problem.name, problem.value, problem.hint)

codebook = study.codebook
store = data.get_store()
claim_options = deck.default_claim_ids(codebook)
claims = codebook.claims

with st.sidebar:
    st.header("Build the deck")
    # Claim ids are the options' labels, so the URL holds `deck=C2.3&deck=C1.1` (Streamlit writes labels). The default
    # is the whole deck on every run: an address without `deck` (a plain link, or Back/Forward to one) means the
    # whole deck, and an emptied picker writes `deck=` (tests/test_browser_seminar.py follows such an address).
    url.seed_list(params.deck, claim_options, f"Use claim ids such as {', '.join(claim_options[:3])}.")
    chosen = st.multiselect(
        "Claims, in the order you pick them", claim_options,
        default=claim_options, key=params.deck, bind="query-params",
        help="The deck shows a theme slide, then its chosen claims. Remove claims and add them again to reorder.",
    )
    st.caption("  \n".join(f"{n}. {c}: {claims[c].paraphrase}" for n, c in enumerate(chosen, start=1)))
    focus = widgets.focus_country_picker()
    peers = widgets.peer_group_picker(focus)
    flag_from_address("guess-toggle", params.guess, state.guess)
    guess_first = st.toggle(
        "Guess first", key="guess-toggle", on_change=sync_flag,
        args=("guess-toggle", params.guess),
        help="On a claim slide the audience first sees the question; the presenter reveals the number and verdict.",
    )

if not chosen:
    st.info("Pick at least one claim in the sidebar to build the deck.")
    st.stop()

custom_peers = peers.members if peers.group_id == widgets.CUSTOM_GROUP else ()
settings = data.load_or_stop(deck.make_settings, defaults, focus, peers.group_id, custom_peers,
                           what="the claim checker")
names = data.country_names()
# The comparison the Claims page draws for the same choices, so a slide shows its claim card's chart.
comparison = make_comparison(
    settings, peers=peers.members, peer_label=peers.label, chart_start=defaults.chart_start,
    aggregates=shown_aggregates(peers.aggregates, data.choices()["aggregates"]),
)
chart = deck.claim_view_builder(
    store, study, comparison, events=data.chart_events(focus), names=names, with_data=data.choices()["indicators"]
)
summary = ("Eight experts on adding human security to Pakistan's security policy (Sharif & Ullah, 2026), "
           "and what public data say about their claims.")
# Charts are drawn only for the slide on screen; the HTML export draws them all when it is downloaded.
# The verdicts come from the app's one cache (the Claims page's, for the same settings), not evaluated per rerun.
verdicts = data.get_verdicts(settings)
slides = deck.build_deck(codebook, store, settings, chosen,
                         evaluate=lambda claim, _store, _settings: verdicts[claim.id],
                         title=defaults.deck_title, summary=summary, names=names, groups=study.peer_groups)
number, problem = deck.clamp_slide(state.slide, len(slides))
if problem:
    st.warning(problem, icon=":material/link_off:")

# --- the slide ----------------------------------------------------------------------------------------------
slide = slides[number - 1]
if slide.kind == "claim":
    # Drawn and copied for the projector once per claim and comparison, then shared by every rerun and session.
    slide = data.cached_build("projected-slide", (slide.claim_id, settings, comparison), lambda: projected(
        deck.draw_slide(slide, claims[slide.claim_id], chart)))
show_slide(slide, number, guess_first)

left, middle, right = st.columns([1, 1, 1], vertical_alignment="center")
left.button("Previous", key="previous", icon=":material/arrow_back:", disabled=number <= 1,
            on_click=go_to, args=(number - 1, params.slide), width="stretch", shortcut="Left")
middle.markdown(f'<div class="deck-counter">Slide {number} of {len(slides)}</div>',
                unsafe_allow_html=True)
right.button("Next", key="next", icon=":material/arrow_forward:",
             disabled=number >= len(slides) and not waits_for_reveal(slide, guess_first),
             on_click=step_forward, args=(slide, number, guess_first, params.slide), width="stretch",
             shortcut="Right")

# --- below the slide: the whole verdict, the presentation switch, the exports --------------------------------
if slide.kind == "claim" and (slide.more or slide.source_line) and not waits_for_reveal(slide, guess_first):
    with st.expander("The whole verdict and its sources", icon=":material/subject:"):
        st.markdown(html.escape(slide.sentence))
        st.caption(html.escape(slide.source_line))
st.toggle(
    "Presentation view: hide the sidebar and the menu (then F11 for full screen)",
    key="present-toggle", on_change=sync_flag, args=("present-toggle", PRESENT_PARAM),
)
if not presenting:
    st.caption(
        "Seminar mode: one theme or claim per slide, for a projector. Build the deck in the sidebar, switch on "
        "the presentation view to hide it (or open the page with ?present=1), press F11 for full screen, step "
        "with Previous / Next (or the arrow keys), and take the deck offline as one HTML file below (F there "
        "toggles full screen)."
    )

# --- exports ------------------------------------------------------------------------------------------------
with st.expander("Take the deck offline", icon=":material/download:", expanded=not presenting):
    st.markdown(
        "One HTML file with every slide and chart (plotly.js inside, nothing fetched): open it in any browser "
        "without internet; arrow keys, space or the buttons step through it, F toggles full screen, and `#3` in "
        "the address opens slide 3."
    )
    st.download_button(
        "Download the deck (HTML, works offline)", data=lambda: deck.export_html(
            deck.draw_slides(slides, codebook, chart), title=defaults.deck_title, guess_first=guess_first
        ),
        file_name=f"seminar_deck_{focus}.html", mime="text/html", icon=":material/slideshow:", on_click="ignore",
        key="download-deck",
    )
    if slide.figure is not None:
        if deck.find_browser():
            st.download_button(
                "Download this chart (PNG)", data=lambda: deck.export_png(slide.figure),
                file_name=f"{slide.claim_id}_{focus}.png", mime="image/png", icon=":material/image:",
                on_click="ignore", key="download-png",
            )
        else:
            st.info("PNG export needs Chromium or Chrome on this machine, and none was found. The camera button at "
                    "the top right of the chart saves it as PNG instead.", icon=":material/photo_camera:")
    link = deck.state_to_params(deck.DeckState(
        claim_ids=() if chosen == claim_options else tuple(chosen), slide=number, focus=focus, peers=peers.group_id,
        custom=custom_peers, guess=guess_first,
    ), defaults)
    st.caption("Link to this slide: `presentation?" + "&".join(f"{k}={v}" for k, v in link.items()) + "`")
