"""Hidden characters in links and in the names shown beside them, and the host shown for a link."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.errors import UserFacingError
from bot.library.service import clean_name, clean_url
from bot.links import bidi_control, hidden_character, link_host

BASE = "https://peers.example.org/"


@pytest.mark.parametrize(
    ("character", "category"),
    [
        ("\x00", "Cc"),
        ("\x1b", "Cc"),
        ("\x7f", "Cc"),
        ("\x85", "Cc"),
        ("\u202e", "Cf"),
        ("\u202a", "Cf"),
        ("\u2066", "Cf"),
        ("\u2069", "Cf"),
        ("\u200e", "Cf"),
        ("\u061c", "Cf"),
        ("\u200b", "Cf"),
        ("\u200d", "Cf"),
        ("\u2060", "Cf"),
        ("\ufeff", "Cf"),
        ("\u00ad", "Cf"),
        ("\U000e0001", "Cf"),
        ("\u0378", "Cn"),
        ("\U0010fffe", "Cn"),
        ("\ue000", "Co"),
    ],
)
@pytest.mark.parametrize("where", ["path", "host", "query"])
def test_every_hidden_character_is_refused_anywhere_in_a_link(character, category, where):
    assert unicodedata.category(character) == category
    url = {
        "path": f"{BASE}a{character}b",
        "host": f"https://peers{character}.example.org/",
        "query": f"{BASE}?q={character}",
    }[where]
    with pytest.raises(UserFacingError, match=f"U\\+{ord(character):04X}") as refused:
        clean_url(url)
    assert "Type the address again without it." in str(refused.value)


@given(st.text(alphabet=st.characters(categories=["Cc", "Cf", "Cn", "Co"]), min_size=1, max_size=3))
def test_any_control_format_or_unassigned_character_is_found(hidden):
    found = hidden_character(f"{BASE}x{hidden}y")
    assert found is not None and found.endswith(f"at character {len(BASE) + 2}")


def test_ordinary_links_pass_and_keep_their_text():
    for url in [
        "https://peers.example.org/groups?day=tue#list",
        "https://www.hearing-voices.org/groups/",
        "https://example.org/caf%C3%A9",
        "https://example.org/café",
    ]:
        assert clean_url(url) == url
        assert hidden_character(url) is None


def test_names_refuse_only_bidi_and_control_characters():
    assert clean_name("Peer group \U0001f469\u200d\U0001f33e") == "Peer group \U0001f469\u200d\U0001f33e"
    assert (
        clean_name("\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645")
        == "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    )
    for bad in ["Line\u202e", "\u2067Line", "Li\x1bne", "Line\u200f"]:
        assert bidi_control(bad) is not None
        with pytest.raises(UserFacingError, match=r"Type the name again without it\."):
            clean_name(bad)


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://WWW.Example.org/x", "www.example.org"),
        ("https://example.org/@trusted.org", "example.org"),
        ("https://a.example.net/b.example.org", "a.example.net"),
    ],
)
def test_link_host_is_where_it_really_goes(url, host):
    assert link_host(url) == host
