"""A share link records the data version and the verdicts it showed (issue 12): opened on the same data it shows
no banner; opened on other data it says so with each verdict then and now; a malformed version or verdict entry
gets a clear message and is shown only as text."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from src.claims.link_record import (
    VERSION_LENGTH,
    data_version,
    decode_verdicts,
    encode_verdicts,
    is_data_version,
    then_and_now,
)
from src.claims.verdicts import STATUS_CODES, STATUS_LABELS, STATUSES
from src.study.yaml_io import parse_yaml

ROOT = Path(__file__).resolve().parent.parent
TIMEOUT = 180
PARAMS = parse_yaml((ROOT / "data/study.yaml").read_text(encoding="utf-8"))["params"]
CLAIM_IDS = [c["id"] for c in parse_yaml((ROOT / "data/codebook/claims.yaml").read_text("utf-8"))["claims"]]
CLAIM = CLAIM_IDS[0]
INJECTION = "x`[CLICK HERE](http://attacker.invalid/)![t](http://attacker.invalid/track.png)`y"
BANNER = "This link was made on data version"


# --- the record itself (pure) ----------------------------------------------------------------------------------


def test_every_status_has_its_own_link_code():
    assert set(STATUS_CODES) == set(STATUSES)
    assert len(set(STATUS_CODES.values())) == len(STATUSES)


def test_verdicts_survive_a_round_trip_through_the_link_text():
    statuses = {claim_id: STATUSES[i % len(STATUSES)] for i, claim_id in enumerate(CLAIM_IDS)}
    recorded = decode_verdicts(encode_verdicts(statuses), CLAIM_IDS)
    assert recorded.statuses == statuses and recorded.rejected == ()


@pytest.mark.parametrize("entry", [f"{CLAIM}:z", "NOPE:s", f"{CLAIM}", INJECTION, f"{CLAIM}:s,{CLAIM}:n"])
def test_an_entry_that_is_no_known_claim_with_a_known_code_is_rejected(entry):
    recorded = decode_verdicts(entry, CLAIM_IDS)
    assert recorded.rejected
    assert all(claim_id in CLAIM_IDS for claim_id in recorded.statuses)


def test_the_data_version_is_short_hex_and_follows_every_key():
    version = data_version("snapshot", "catalogue", "study")
    assert is_data_version(version) and len(version) == VERSION_LENGTH
    assert version != data_version("snapshot", "catalogue", "study edited")
    assert not is_data_version(version.upper()) and not is_data_version(INJECTION) and not is_data_version("")


def test_then_and_now_pairs_each_recorded_verdict_the_page_still_shows():
    then = {CLAIM_IDS[0]: "supported", CLAIM_IDS[1]: "too_close", "gone": "supported"}
    now = {CLAIM_IDS[0]: "supported", CLAIM_IDS[1]: "not_supported"}
    changed, same = then_and_now(then, now)
    assert [(c.claim_id, c.then, c.now) for c in changed] == [(CLAIM_IDS[1], "too_close", "not_supported")]
    assert [c.claim_id for c in same] == [CLAIM_IDS[0]]


# --- the Claims page -------------------------------------------------------------------------------------------


def claims_page(**params) -> AppTest:
    at = AppTest.from_file(str(ROOT / "pages" / "claims.py"), default_timeout=TIMEOUT)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def shared_query(at: AppTest) -> dict[str, str]:
    link = next(c.value for c in at.code if "?" in c.value and f"{PARAMS['data_version']}=" in c.value)
    return {k: v[0] for k, v in parse_qs(urlsplit(link).query).items()}


def banners(at: AppTest) -> list[str]:
    return [str(w.value) for w in [*at.warning, *at.info] if "This link was made" in str(w.value)]


@pytest.fixture(scope="module")
def first_link() -> dict[str, str]:
    """The link the page gives for one claim, and that claim's status shown (its badge is the board's)."""
    return shared_query(claims_page(**{PARAMS["claim"]: CLAIM}))


def test_the_link_records_the_data_version_and_the_verdict_shown(first_link):
    assert is_data_version(first_link[PARAMS["data_version"]])
    recorded = decode_verdicts(first_link[PARAMS["verdicts"]], CLAIM_IDS)
    assert list(recorded.statuses) == [CLAIM] and not recorded.rejected


def test_a_link_made_on_the_same_data_shows_no_banner(first_link):
    at = claims_page(**first_link)
    assert banners(at) == []
    assert shared_query(at)[PARAMS["data_version"]] == first_link[PARAMS["data_version"]]


def test_a_link_made_on_other_data_says_so_with_the_verdict_then_and_now(first_link):
    here = first_link[PARAMS["data_version"]]
    now = decode_verdicts(first_link[PARAMS["verdicts"]], CLAIM_IDS).statuses[CLAIM]
    then = next(s for s in STATUSES if s != now)
    other = "0" * VERSION_LENGTH if here != "0" * VERSION_LENGTH else "1" * VERSION_LENGTH
    at = claims_page(**{**first_link, PARAMS["data_version"]: other,
                        PARAMS["verdicts"]: encode_verdicts({CLAIM: then})})
    (banner,) = banners(at)
    assert f"`{other}`" in banner and f"`{here}`" in banner
    assert f"now **{STATUS_LABELS[now]}**" in banner and f"it was **{STATUS_LABELS[then]}** then" in banner
    # Streamlit may drop the link's parameters from the address on a later rerun; the banner stays.
    at.query_params.clear()
    at.run()
    assert banners(at) == [banner]


def test_the_banner_goes_once_the_reader_changes_the_comparison(first_link):
    other = "0" * VERSION_LENGTH if first_link[PARAMS["data_version"]] != "0" * VERSION_LENGTH else "1" * VERSION_LENGTH
    at = claims_page(**{**first_link, PARAMS["data_version"]: other})
    assert banners(at)
    focus = at.selectbox(key=PARAMS["focus"])
    focus.set_value(next(iso3 for iso3 in ("IND", "BGD") if iso3 != focus.value)).run()
    assert not at.exception and banners(at) == []


def test_a_malformed_data_version_gets_a_clear_message_shown_as_text(first_link):
    at = claims_page(**{**first_link, PARAMS["data_version"]: INJECTION})
    assert banners(at) == []
    (message,) = [e.value for e in at.error if "data version" in e.value]
    assert "hexadecimal" in message
    live = re.sub(r"(`+)(.+?)\1", "", message, flags=re.S)
    assert "attacker.invalid" not in live and "](" not in live


def test_a_malformed_verdict_entry_is_named_and_the_rest_compared(first_link):
    other = "0" * VERSION_LENGTH if first_link[PARAMS["data_version"]] != "0" * VERSION_LENGTH else "1" * VERSION_LENGTH
    at = claims_page(**{**first_link, PARAMS["data_version"]: other,
                        PARAMS["verdicts"]: f"{first_link[PARAMS['verdicts']]},{INJECTION}"})
    assert [e for e in at.error if f"{PARAMS['verdicts']}=" in e.value]
    (banner,) = banners(at)
    assert "still" in banner
