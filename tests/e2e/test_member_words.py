"""What members read names things in words: no table or column names, the role word in both numbers."""

from __future__ import annotations

import re

from tests.e2e.venting_helpers import moderate, said, use_forum, use_text, vent, world

__all__ = ["world"]

SNAKE = re.compile(r"\b[a-z]+_[a-z_]+\b")


async def test_privacy_show_counts_anonymous_posts_in_words(world):
    await use_forum(world)
    await vent(world.member, world)
    shown = said(await world.member.slash(world.general, "privacy show"))
    assert "1 anonymous post you can still delete" in shown
    assert not SNAKE.search(shown), shown


async def test_privacy_forget_reports_in_words(world):
    await use_forum(world)
    await vent(world.member, world)
    asked = await world.member.slash(world.general, "privacy forget")
    done = await world.member.click(asked.response.message, label="Yes, erase everything")
    assert "1 link to an anonymous message" in done.response.content
    assert not SNAKE.search(done.response.content), done.response.content


async def test_setting_a_feature_to_what_it_already_is_says_nothing_changed(world):
    result = await world.mod.slash(world.general, "config feature", feature="strategies", enabled=True)
    assert result.response.content == "Strategies is already on; nothing changed."
    changed = await world.mod.slash(world.general, "config feature", feature="strategies", enabled=False)
    assert changed.response.content == "Strategies changed from on to off."


async def test_role_word_in_both_numbers_reaches_support_explain_and_cards(world):
    await world.mod.slash(world.general, "config role-word", singular="recovery coach")
    support = await world.member.slash(world.general, "support")
    names = [field.name for field in support.response.embeds[0].fields]
    assert "Recovery coaches who offered to be reachable" in names
    explained = await world.member.slash(world.general, "explain", length="long")
    text = explained.response.content
    assert "Recovery coaches walk alongside someone" in text and "peer worker" not in text.lower()
    shown = await world.member.slash(world.general, "strategy browse")
    card = await world.member.select(shown.response.message, ["prejudice"])  # first card: a peer item
    assert "What a recovery coach can do" in card.response.embeds[0].description


async def test_role_word_plural_given_by_the_moderator_is_used(world, sim_services):
    result = await world.mod.slash(world.general, "config role-word", singular="peer", plural="peers")
    assert (
        result.response.content
        == "Word for the role changed from peer worker (plural: peer workers) to peer (plural: peers)."
    )
    stored = await sim_services.guilds.repo.settings(world.guild.id)
    assert stored["role_word"] == "peer" and stored["role_word_plural"] == "peers"
    # Setting only the singular later drops the old plural, so it is made from the new word.
    await world.mod.slash(world.general, "config role-word", singular="peer advocate")
    stored = await sim_services.guilds.repo.settings(world.guild.id)
    assert stored["role_word"] == "peer advocate" and "role_word_plural" not in stored
    reset = await world.mod.slash(world.general, "config reset", setting="role_word")
    assert reset.response.content.endswith("to peer worker (plural: peer workers).")
    assert await sim_services.guilds.repo.settings(world.guild.id) == {}


async def test_bad_plural_changes_nothing(world, sim_services):
    result = await world.mod.slash(world.general, "config role-word", singular="recovery coach", plural="<@1>")
    assert result.response.ephemeral
    assert "letters, spaces, hyphens and apostrophes" in said(result)
    assert await sim_services.guilds.repo.settings(world.guild.id) == {}


async def test_block_choices_read_as_sentences(world):
    channel = await use_text(world)
    await vent(world.member, world)
    post = next(m for m in channel.history() if m.components)
    menu = await moderate(world, channel, post)
    options = [
        option["label"]
        for row in menu.response.components
        for child in (row["components"] if isinstance(row, dict) else row.children)
        if (child["type"] if isinstance(child, dict) else child.type.value) == 3
        for option in (child["options"] if isinstance(child, dict) else [o.to_dict() for o in child.options])
    ]
    assert options == [
        "Block the author for a day",
        "Block the author for a week",
        "Block the author for a month",
        "Block the author until a moderator lifts it",
    ]
