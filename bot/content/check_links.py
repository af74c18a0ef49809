"""`make check-links`: ask each built-in resource's link whether it still answers, then record it.

Run by a maintainer with internet access (the bot itself never does this). For every resource in
``content/resources.toml`` it sends a HEAD request (falling back to GET when a server refuses HEAD),
with a timeout, following redirects, and prints the status and the final address. Only after the
report, and only for links that answered with a success status, it writes ``checked = <today>``
into the file, so members see "link checked <date>" only when a check really happened. A link that
moved is reported with its new address for a person to review; the file's URL is never rewritten.

    python -m bot.content.check_links            # check, report, record the dates
    python -m bot.content.check_links --dry-run  # check and report only
"""

from __future__ import annotations

import argparse
import re
import sys
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from bot.content.store import DEFAULT_CONTENT_DIR, RESOURCES_FILE, load_content

__all__ = ["LinkResult", "check_all", "fetch", "main", "record_checked", "report"]

TIMEOUT_SECONDS = 15.0
USER_AGENT = "peer-circle-link-check/1 (run by a maintainer)"


@dataclass(frozen=True)
class LinkResult:
    """What one link did: its HTTP status (None when it never answered), final address, any error."""

    resource_id: str
    url: str
    status: int | None
    final_url: str | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        """Answered with a success status after following redirects."""
        return self.status is not None and 200 <= self.status < 300


Fetcher = Callable[[str, str, float], tuple[int, str]]


def fetch(url: str, method: str, timeout: float) -> tuple[int, str]:
    """One request with redirects followed; return (status, final url). HTTP errors return their status."""
    # The loader only accepts https links, so no file: or other scheme can reach these two calls.
    request = urllib.request.Request(url, method=method, headers={"User-Agent": USER_AGENT})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
            return int(response.status), str(response.geturl())
    except urllib.error.HTTPError as error:
        return int(error.code), str(error.geturl() or url)


def check_one(resource_id: str, url: str, fetcher: Fetcher, timeout: float) -> LinkResult:
    """HEAD first; GET when HEAD is refused or fails, since some servers don't answer HEAD."""
    try:
        status, final = fetcher(url, "HEAD", timeout)
        if status in (403, 405, 501) or status >= 500:
            status, final = fetcher(url, "GET", timeout)
    except Exception as error:
        try:
            status, final = fetcher(url, "GET", timeout)
        except Exception as second:
            return LinkResult(resource_id, url, None, None, f"{type(second).__name__}: {second}"[:200])
        del error
    return LinkResult(resource_id, url, status, final)


def check_all(
    links: Iterable[tuple[str, str]], fetcher: Fetcher = fetch, timeout: float = TIMEOUT_SECONDS
) -> list[LinkResult]:
    """Check every (id, url) pair in turn."""
    return [check_one(resource_id, url, fetcher, timeout) for resource_id, url in links]


def report(results: list[LinkResult]) -> str:
    """One line per link: OK or PROBLEM, the status, and where it ended up."""
    lines = []
    for result in results:
        word = "OK     " if result.ok else "PROBLEM"
        status = result.status if result.status is not None else "no answer"
        moved = f" -> {result.final_url}" if result.final_url and result.final_url != result.url else ""
        why = f" ({result.error})" if result.error else ""
        lines.append(f"{word} {result.resource_id}: {status} {result.url}{moved}{why}")
    good = sum(result.ok for result in results)
    lines.append(f"{good} of {len(results)} links answered.")
    return "\n".join(lines)


_BLOCK = re.compile(r"(?ms)^\[\[resources\]\]\n.*?(?=^\[\[resources\]\]|\Z)")
_ID = re.compile(r'(?m)^id = "([^"]+)"')
_CHECKED = re.compile(r"(?m)^checked = .*\n")
_ADDED = re.compile(r"(?m)^(added = .*\n)")


def record_checked(text: str, resource_ids: set[str], day: date) -> str:
    """The file's text with ``checked = day`` set on the given resources (after their ``added``)."""

    def update(match: re.Match[str]) -> str:
        block = match.group(0)
        found = _ID.search(block)
        if found is None or found.group(1) not in resource_ids:
            return block
        block = _CHECKED.sub("", block)
        return _ADDED.sub(lambda added: f"{added.group(1)}checked = {day.isoformat()}\n", block, count=1)

    return _BLOCK.sub(update, text)


def main(argv: list[str] | None = None, fetcher: Fetcher = fetch, today: date | None = None) -> int:
    """Check every built-in resource link, print the report, then record the dates of those that answered."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dry-run", action="store_true", help="report only; don't write the checked dates")
    parser.add_argument("--content", type=Path, default=DEFAULT_CONTENT_DIR, help="the content folder")
    args = parser.parse_args(argv)
    content = load_content(args.content)
    results = check_all(((r.id, r.url) for r in content.resources), fetcher)
    sys.stdout.write(report(results) + "\n")
    answered = {result.resource_id for result in results if result.ok}
    if args.dry_run or not answered:
        return 0 if len(answered) == len(results) else 1
    path = args.content / RESOURCES_FILE
    day = today or datetime.now(UTC).date()
    path.write_text(record_checked(path.read_text(encoding="utf-8"), answered, day), encoding="utf-8")
    load_content(args.content)  # the file must still load; a ContentError here means a bug above
    sys.stdout.write(f"Recorded {day.isoformat()} as checked for {len(answered)} link(s) in {path}.\n")
    return 0 if len(answered) == len(results) else 1


if __name__ == "__main__":
    sys.exit(main())
