"""Tests for the language-guide check in bot.content.language."""

import pytest

from bot.content.language import find_ruled_out_terms


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Peers face stigma at work.", ["stigma"]),
        ("They felt stigmatized by staff.", ["stigmatized"]),
        ("Multiple stigmata pile up.", ["stigmata"]),
        ("A patient asked for help.", ["patient"]),
        ("The patients on the unit.", ["patients"]),
        ("One client said so.", ["client"]),
        ("Several clients came.", ["clients"]),
        ("A consumer advisory board.", ["consumer"]),
        ("Consumers were invited.", ["consumers"]),
        ("Medication compliance was tracked.", ["compliance"]),
        ("He was compliant with the plan.", ["compliant"]),
        ("She was labelled non-compliant.", ["non-compliant"]),
        ("A symptom list.", ["symptom"]),
        ("Tracking symptoms daily.", ["symptoms"]),
        ("Fear of relapse.", ["relapse"]),
        ("People with SMI.", ["smi"]),
        ("The mentally ill are not a group.", ["mentally ill"]),
        ("Lack of insight was noted.", ["insight"]),
    ],
)
def test_each_ruled_out_word_is_caught(text: str, expected: list[str]) -> None:
    assert find_ruled_out_terms(text) == expected


def test_clean_text_passes() -> None:
    text = (
        "Some peers find it helps to name prejudice and discrimination, and to remember that the "
        "people you support are the reason for the work. Stigma research is allowed to be named."
    )
    assert find_ruled_out_terms(text) == []


def test_empty_text_passes() -> None:
    assert find_ruled_out_terms("") == []


def test_case_insensitive_and_each_word_once() -> None:
    assert find_ruled_out_terms("STIGMA and Stigma and stigma") == ["stigma"]
    assert find_ruled_out_terms("Patients, then Clients") == ["patients", "clients"]


def test_whole_words_only() -> None:
    # Words that merely contain a ruled-out word are not hits.
    assert find_ruled_out_terms("She waited patiently; the clientele; insightful; smile; consumerism") == []


def test_stigma_allowed_only_when_naming_research() -> None:
    assert find_ruled_out_terms("Stigma research uses that word.") == []
    assert find_ruled_out_terms("Ask the stigma researchers.") == []
    assert find_ruled_out_terms("This stigma is real research.") == ["stigma"]


def test_two_word_term_across_whitespace() -> None:
    assert find_ruled_out_terms("mentally\n  ill") == ["mentally ill"]


def test_hyphenated_compound_is_caught() -> None:
    assert find_ruled_out_terms("client-centred care") == ["client"]


def test_returns_in_order_of_appearance() -> None:
    assert find_ruled_out_terms("relapse, then symptoms, then relapse") == ["relapse", "symptoms"]
