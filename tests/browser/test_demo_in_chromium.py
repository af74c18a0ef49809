"""The demo as a person uses it: chromium opens the preview, presses buttons, fills forms, types /vent."""

from __future__ import annotations

from playwright.async_api import expect

from bot.demo import screenshots
from bot.demo.browser import run_slash

ANSWER = "I named the prejudice in the meeting, calmly."
VENT = "The new manager keeps calling my lived experience a liability."
WAIT_MS = 15_000


async def test_answering_a_checkin_in_the_dm(demo, browser):
    page = await browser.new_page()
    await page.goto(await demo.open(demo.find("DMs of alex")))
    await page.get_by_role("button", name="Answer", exact=True).click()
    dialog = page.get_by_role("dialog")
    await dialog.locator("textarea").fill(ANSWER)
    await dialog.get_by_role("button", name="Submit").click()
    messages = page.locator("#channel-message-list")
    await expect(messages).to_contain_text("Thank you for taking the moment", timeout=WAIT_MS)
    # Keeping answers is off unless the member chose it: the reply says the answer was let go.
    assert "it isn't stored anywhere" in await messages.inner_text()


async def test_vent_from_the_composer_appears_with_no_author(demo, browser):
    page = await browser.new_page()
    await page.goto(await demo.open(demo.find("#general")))
    await run_slash(page, "vent")
    dialog = page.get_by_role("dialog")
    await dialog.locator("textarea[name=vent_text]").fill(VENT)
    await dialog.get_by_role("button", name="Submit").click()
    await expect(page.locator("#channel-message-list")).to_contain_text("Your post is up", timeout=WAIT_MS)
    # The new post is the forum's newest thread: open it as the other peer would see it.
    newest = demo.world.vent.threads[-1]
    post = next(p for p in demo.places() if p.channel.id == newest.id)
    assert post.label != "#vent: Talked about, not with"  # not the seeded post
    await page.goto(await demo.open(post))
    messages = page.locator("#channel-message-list")
    await expect(messages).to_contain_text(VENT, timeout=WAIT_MS)
    shown = await messages.inner_text()
    for member in demo.world.viewers:
        assert member.user.name not in shown
    assert "Peer Circle" in shown  # the bot is the only author on the page


# The scenarios that act (type a command, press, submit) before the picture; the ones that only open
# a seeded place are checked on the preview's snapshot in tests/e2e/test_demo.py, without the cost.
ACTING_SCENARIOS = ("welcome", "connect-join", "connect", "moderation", "config-show", "privacy-show")


async def test_acting_screenshot_scenarios_write_their_pictures(browser, tmp_path):
    # Each drives the real bot and the page; a change in the bot that breaks one fails here, not the
    # next time someone runs `make screenshots`.
    assert set(ACTING_SCENARIOS) <= set(screenshots.SCENARIOS)
    for name in ACTING_SCENARIOS:
        path = await screenshots.photograph(browser, name, tmp_path)
        assert path == tmp_path / f"{name}.png"
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and path.stat().st_size > 5_000, name
