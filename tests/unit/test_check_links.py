"""`make check-links` with a fake network: it reports first, then records dates only for links that answered."""

from __future__ import annotations

import shutil
from datetime import date

from bot.content.check_links import LinkResult, check_all, main, record_checked, report
from bot.content.store import DEFAULT_CONTENT_DIR, load_content

FILES = ("strategies.toml", "prompts.toml", "resources.toml", "explain.toml", "sources.toml", "search.toml")


def fake_network(answers):
    """A fetcher answering from a table: url -> (status, final url) or an exception to raise."""
    calls = []

    def fetch(url, method, timeout):
        calls.append((url, method, timeout))
        answer = answers[url]
        if isinstance(answer, Exception):
            raise answer
        if callable(answer):
            return answer(method)
        return answer

    return fetch, calls


def test_head_then_get_when_head_is_refused_and_errors_reported():
    fetch, calls = fake_network(
        {
            "https://a.example/": (200, "https://a.example/"),
            "https://b.example/": lambda method: (
                (405, "https://b.example/") if method == "HEAD" else (200, "https://b.example/home")
            ),
            "https://c.example/": OSError("no route"),
        }
    )
    results = check_all(
        [("a", "https://a.example/"), ("b", "https://b.example/"), ("c", "https://c.example/")], fetch, 5.0
    )
    assert [r.ok for r in results] == [True, True, False]
    assert ("https://b.example/", "GET", 5.0) in calls and all(timeout == 5.0 for _, _, timeout in calls)
    text = report(results)
    assert "OK      b: 200 https://b.example/ -> https://b.example/home" in text
    assert "PROBLEM c: no answer https://c.example/ (OSError: no route)" in text
    assert text.endswith("2 of 3 links answered.")


def test_record_checked_touches_only_the_links_that_answered():
    text = (DEFAULT_CONTENT_DIR / "resources.toml").read_text(encoding="utf-8")
    updated = record_checked(text, {"wrap", "intervoice"}, date(2027, 1, 5))
    assert updated.count("checked = 2027-01-05") == 2
    again = record_checked(updated, {"wrap"}, date(2027, 2, 1))
    assert again.count("checked = 2027-01-05") == 1 and again.count("checked = 2027-02-01") == 1


def test_main_reports_then_writes_dates_and_the_file_still_loads(tmp_path, capsys):
    target = tmp_path / "content"
    target.mkdir()
    for name in FILES:
        shutil.copy(DEFAULT_CONTENT_DIR / name, target / name)
    urls = {r.url: (200, r.url) for r in load_content(target).resources}
    broken = next(r for r in load_content(target).resources if r.id == "wrap")
    urls[broken.url] = (404, broken.url)
    fetch, _ = fake_network(urls)
    assert main(["--content", str(target)], fetcher=fetch, today=date(2027, 1, 5)) == 1
    out = capsys.readouterr().out
    assert out.index("PROBLEM wrap: 404") < out.index("Recorded 2027-01-05 as checked")
    checked = {r.id: r.checked for r in load_content(target).resources}
    assert checked["wrap"] is None
    assert all(day == date(2027, 1, 5) for rid, day in checked.items() if rid != "wrap")


def test_dry_run_writes_nothing(tmp_path):
    target = tmp_path / "content"
    target.mkdir()
    for name in FILES:
        shutil.copy(DEFAULT_CONTENT_DIR / name, target / name)
    before = (target / "resources.toml").read_text(encoding="utf-8")
    fetch, _ = fake_network({r.url: (200, r.url) for r in load_content(target).resources})
    assert main(["--content", str(target), "--dry-run"], fetcher=fetch) == 0
    assert (target / "resources.toml").read_text(encoding="utf-8") == before


def test_no_shipped_resource_claims_a_check_that_did_not_happen():
    # No maintainer has run `make check-links` with internet access yet: every entry says "added".
    assert all(r.checked is None for r in load_content().resources)
    assert LinkResult("x", "https://x/", None, None).ok is False
