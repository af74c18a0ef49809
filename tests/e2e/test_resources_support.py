"""/resources, /resources-manage, /support, /support-volunteer, /support-manage and /explain end to end."""

from __future__ import annotations

import discord
import pytest

from bot.app import Services
from bot.repositories import schema
from bot.testing import SimcordClock, make_services
from cogs.resources import FEATURE as RESOURCES
from cogs.support.service import FEATURE as SUPPORT
from cogs.support.service import STATEMENT, SupportService
from tests.content_store import tiny_content
from tests.e2e.world import make_world


@pytest.fixture
async def sim_services():
    """These tests use a tiny hand-built content store, so they don't depend on the shipped wording."""
    svc = await make_services(clock=SimcordClock(), content=tiny_content())
    yield svc
    await svc.db.close()


@pytest.fixture
def world(simcord_env):
    return make_world(simcord_env)


async def open_to_everyone(env, world, name: str) -> None:
    """Server admins can open a moderator command to everyone; our own check must still refuse."""
    commands = await env.bot.tree.fetch_commands()
    command = next(c for c in commands if c.name == name)
    world.guild.set_command_permissions(command, {world.guild.default_role: True})


async def test_resources_all_and_by_topic(world):
    everything = await world.member.slash(world.general, "resources")
    text = everything.response.embeds[0].description
    assert "[Intentional Peer Support](https://www.intentionalpeersupport.org)" in text
    assert "Debated: Some clinicians dispute its approach." in text
    # Honest dates: "checked" only where a real check was recorded, "added" everywhere else.
    ips, hvn = text.split("\n\n")[:2]
    assert "added 2026-11-01" in ips and "checked" not in ips
    assert "link checked 2026-11-20" in hvn
    groups = await world.member.slash(world.general, "resources", topic="groups")
    assert "Hearing Voices Network" in groups.response.embeds[0].description
    assert "Intentional Peer Support" not in groups.response.embeds[0].description


async def test_unknown_topic_lists_the_topics(world):
    result = await world.member.slash(world.general, "resources", topic="astrology")
    assert "I don't know the topic 'astrology'" in result.response.content
    assert "training, movement, groups" in result.response.content


async def test_resources_autocomplete_offers_topics_and_names(world):
    choices = await world.member.autocomplete(world.general, "resources", "topic", "hear")
    assert {"name": "Hearing Voices Network", "value": "Hearing Voices Network"} in choices
    topics = await world.member.autocomplete(world.general, "resources", "topic", "train")
    assert topics[0]["value"] == "training"


async def test_moderator_add_edit_hide_show_remove(world):
    added = await world.mod.slash(
        world.general,
        "resources-manage add",
        name="Local peer group",
        url="https://peers.example.org",
        description="Meets on Tuesdays.",
        topic="groups",
    )
    assert added.response.content == "Added 'Local peer group' to /resources."
    listed = await world.member.slash(world.general, "resources", topic="groups")
    assert "Local peer group" in listed.response.embeds[0].description
    assert "added by this server" in listed.response.embeds[0].description
    edited = await world.mod.slash(
        world.general, "resources-manage edit", name="local peer group", description="Meets on Wednesdays."
    )
    assert edited.response.content == "Updated 'Local peer group'."
    shown = await world.member.slash(world.general, "resources", topic="Local peer group")
    assert "Wednesdays" in shown.response.embeds[0].description
    await world.mod.slash(world.general, "resources-manage hide", name="Local peer group")
    await world.mod.slash(world.general, "resources-manage hide", name="Hearing Voices Network")
    hidden = (await world.member.slash(world.general, "resources")).response.embeds[0].description
    assert "Local peer group" not in hidden and "Hearing Voices Network" not in hidden
    await world.mod.slash(world.general, "resources-manage show", name="Hearing Voices Network")
    assert "Hearing Voices" in (await world.member.slash(world.general, "resources")).response.embeds[0].description
    removed = await world.mod.slash(world.general, "resources-manage remove", name="Local peer group")
    assert removed.response.content == "Removed 'Local peer group'."
    gone = await world.mod.slash(world.general, "resources-manage remove", name="Local peer group")
    assert "no resource called 'Local peer group'" in gone.response.content


@pytest.mark.parametrize(
    ("url", "description", "message"),
    [
        ("http://peers.example.org", "ok", "Only https links are accepted"),
        ("peers.example.org", "ok", "doesn't look like a web link"),
        ("https://", "ok", "no valid web address"),
        ("https://exa mple.org", "ok", "can't contain spaces"),
        ("https://peers.example.org", "   ", "description can't be empty"),
    ],
)
async def test_bad_resources_are_refused_with_the_reason(world, sim_services: Services, url, description, message):
    result = await world.mod.slash(
        world.general, "resources-manage add", name="Thing", url=url, description=description
    )
    assert message in result.response.content
    assert await sim_services.library.count(world.guild.id, "resource") == 0


async def test_duplicates_are_refused(world):
    await world.mod.slash(
        world.general, "resources-manage add", name="Group", url="https://a.example.org", description="x"
    )
    again = await world.mod.slash(
        world.general, "resources-manage add", name="GROUP", url="https://b.example.org", description="y"
    )
    assert "already a resource called 'GROUP'" in again.response.content
    builtin = await world.mod.slash(
        world.general,
        "resources-manage add",
        name="hearing voices network",
        url="https://c.example.org",
        description="z",
    )
    assert "already one of the built-in resources" in builtin.response.content


async def test_over_long_description_is_refused_by_discord_limits(world):
    from simcord import OptionError

    with pytest.raises(OptionError):
        await world.mod.slash(
            world.general, "resources-manage add", name="Long", url="https://a.example.org", description="x" * 301
        )


@pytest.mark.parametrize("command", ["resources-manage add", "resources-manage remove", "resources-manage hide"])
async def test_ordinary_members_are_refused(world, simcord_env, sim_services, command):
    assert not any(c.startswith("resources-manage") for c in world.member.available_commands(world.general))
    await open_to_everyone(simcord_env, world, "resources-manage")
    options = {"name": "Hearing Voices Network"}
    if command.endswith("add"):
        options.update(url="https://a.example.org", description="x")
    result = await world.member.slash(world.general, command, **options)
    assert "Only moderators" in result.response.content
    assert await sim_services.library.count(world.guild.id, "resource") == 0
    assert await sim_services.library.hidden_builtins(world.guild.id, "resource") == set()


async def test_resources_off_is_refused(world):
    await world.mod.slash(world.general, "config feature", feature=RESOURCES, enabled=False)
    result = await world.member.slash(world.general, "resources")
    assert "Resources is turned off" in result.response.content


async def test_support_shows_statement_options_and_volunteers_without_pinging(world, simcord_env):
    empty = await world.member.slash(world.general, "support")
    embed = empty.response.embeds[0]
    assert embed.description == STATEMENT
    assert "Nobody has volunteered yet." in embed.fields[1].value
    await world.mod.slash(
        world.general,
        "support-manage add",
        name="Peer warmline",
        details="Evenings, run by peers.",
        url="https://warmline.example.org",
    )
    joined = await world.other.slash(world.general, "support-volunteer", action="join")
    assert "180 days" in joined.response.content
    requests_before = len(simcord_env.http_requests)
    shown = await world.member.slash(world.general, "support")
    embed = shown.response.embeds[0]
    assert "Peer warmline" in embed.fields[0].value
    assert embed.fields[1].value == f"<@{world.other.id}>"
    assert shown.ephemeral
    # Only the interaction reply went out: the bot contacted nobody.
    sent = simcord_env.http_requests[requests_before:]
    assert any("/interactions/" in str(r) for r in sent)
    assert [r for r in sent if "/interactions/" not in str(r)] == []


async def test_asking_for_support_records_nothing(world, sim_services):
    await world.member.slash(world.general, "support")
    for table in await schema.table_names(sim_services.db):
        assert await schema.rows_mentioning(sim_services.db, table, world.member.id) == 0, table


async def test_volunteer_leave(world, sim_services, simcord_bot):
    await world.member.slash(world.general, "support-volunteer", action="join")
    left = await world.member.slash(world.general, "support-volunteer", action="leave")
    assert left.response.content == "You're off the list."
    assert await simcord_bot.features.get(SupportService).listed(world.guild.id) == []


async def test_support_manage_edit_hide_remove_and_refusal(world, simcord_env):
    await world.mod.slash(world.general, "support-manage add", name="Group", details="Mondays.")
    await world.mod.slash(world.general, "support-manage edit", name="Group", details="Tuesdays.")
    assert "Tuesdays." in (await world.member.slash(world.general, "support")).response.embeds[0].fields[0].value
    await world.mod.slash(world.general, "support-manage hide", name="Group")
    assert "haven't added" in (await world.member.slash(world.general, "support")).response.embeds[0].fields[0].value
    bad = await world.mod.slash(world.general, "support-manage add", name="Line", details="x", url="http://x.org")
    assert "Only https links" in bad.response.content
    await open_to_everyone(simcord_env, world, "support-manage")
    refused = await world.member.slash(world.general, "support-manage remove", name="Group")
    assert "Only moderators" in refused.response.content
    removed = await world.mod.slash(world.general, "support-manage remove", name="Group")
    assert removed.response.content == "Removed 'Group'."


async def test_support_off_is_refused(world):
    await world.mod.slash(world.general, "config feature", feature=SUPPORT, enabled=False)
    result = await world.member.slash(world.general, "support")
    assert "Support on request is turned off" in result.response.content


async def test_volunteer_leave_works_while_support_is_off_and_join_does_not(world, sim_services, simcord_bot):
    await world.member.slash(world.general, "support-volunteer", action="join")
    await world.mod.slash(world.general, "config feature", feature=SUPPORT, enabled=False)
    joined = await world.other.slash(world.general, "support-volunteer", action="join")
    assert "Support on request is turned off" in joined.response.content
    left = await world.member.slash(world.general, "support-volunteer", action="leave")
    assert left.response.content == "You're off the list."
    assert await simcord_bot.features.get(SupportService).listed(world.guild.id) == []


async def test_explain_short_long_and_server_override(world, simcord_env):
    short = await world.member.slash(world.general, "explain")
    assert "mutual support between people with lived experience" in short.response.content
    assert "the bot's shared text" in short.response.content
    long = await world.member.slash(world.general, "explain", length="long")
    assert "not a junior clinical role" in long.response.content
    await world.mod.slash(world.general, "explain-manage set", short="Our circle: peers supporting peers.")
    mine = await world.member.slash(world.general, "explain")
    assert "Our circle" in mine.response.content and "this server's own text" in mine.response.content
    still_long = await world.member.slash(world.general, "explain", length="long")
    assert "not a junior clinical role" in still_long.response.content
    await open_to_everyone(simcord_env, world, "explain-manage")
    refused = await world.member.slash(world.general, "explain-manage reset")
    assert "Only moderators" in refused.response.content
    await world.mod.slash(world.general, "explain-manage reset")
    assert "shared text" in (await world.member.slash(world.general, "explain")).response.content


def test_support_statement_says_the_bot_contacts_nobody():
    assert "never contacts anyone" in STATEMENT and "not recorded" in STATEMENT
    assert discord.AllowedMentions.none().users is False


# -- links that could show as something they are not --------------------------------------------

HIDDEN_LINKS = [
    ("https://peers.example.org/\x00", "a control character (U+0000) at character 27"),
    ("https://peers.example.org/a\x07b", "a control character (U+0007) at character 28"),
    ("https://peers.example.org/\u202egro.evil", "(U+202E right-to-left override) at character 27"),
    ("https://peers.example.org\u202e/x", "(U+202E right-to-left override) at character 26"),
    ("https://\u2066peers.example.org", "(U+2066 left-to-right isolate) at character 9"),
    ("https://peers.example.org/\u200bx", "(U+200B zero width space) at character 27"),
    ("https://peers.example.org/\ufeff", "(U+FEFF zero width no-break space) at character 27"),
    ("https://peers.example.org/\u00ad", "(U+00AD soft hyphen) at character 27"),
    ("https://peers.example.org/\U000e0041", "(U+E0041 tag latin capital letter a) at character 27"),
    ("https://peers.example.org/\u0378", "a character Unicode has not assigned (U+0378) at character 27"),
    ("https://peers.example.org/\ue000", "(U+E000) at character 27"),
]


@pytest.mark.parametrize(("url", "named"), HIDDEN_LINKS)
@pytest.mark.parametrize("command", ["resources-manage add", "resources-manage edit", "support-manage add"])
async def test_links_with_hidden_characters_are_refused_naming_them(world, sim_services: Services, command, url, named):
    if command == "resources-manage edit":
        await world.mod.slash(
            world.general, "resources-manage add", name="Group", url="https://a.example.org", description="x"
        )
    options = {"name": "Group", "url": url}
    if command == "resources-manage add":
        options["description"] = "x"
    if command == "support-manage add":
        options["details"] = "x"
    result = await world.mod.slash(world.general, command, **options)
    assert result.ephemeral
    assert named in result.response.content
    assert "Type the address again without it." in result.response.content
    kind = "support" if command.startswith("support") else "resource"
    stored = [item.url for item in await sim_services.library.items(world.guild.id, kind)]
    assert stored == (["https://a.example.org"] if command.endswith("edit") else [])


@pytest.mark.parametrize("name", ["Peer line\u202e", "\u2067Peer line", "Peer\x1bline"])
async def test_names_with_bidi_or_control_characters_are_refused(world, sim_services: Services, name):
    result = await world.mod.slash(
        world.general, "resources-manage add", name=name, url="https://a.example.org", description="x"
    )
    assert "Type the name again without it." in result.response.content
    assert await sim_services.library.count(world.guild.id, "resource") == 0


async def test_names_keep_joiners_that_scripts_and_emoji_need(world, sim_services: Services):
    name = "Peer group \U0001f469\u200d\U0001f33e \u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"
    result = await world.mod.slash(
        world.general, "resources-manage add", name=name, url="https://a.example.org/p", description="x"
    )
    assert result.response.content.startswith("Added")


async def test_a_masked_link_shows_its_real_host(world):
    await world.mod.slash(
        world.general,
        "resources-manage add",
        name="peers.example.org",
        url="https://elsewhere.example.net/peers.example.org",
        description="A name that looks like another address.",
    )
    shown = await world.member.slash(world.general, "resources", topic="peers.example.org")
    text = shown.response.embeds[0].description
    assert "**[peers.example.org](https://elsewhere.example.net/peers.example.org)** (elsewhere.example.net):" in text
    everything = (await world.member.slash(world.general, "resources")).response.embeds[0].description
    assert (
        "**[Intentional Peer Support](https://www.intentionalpeersupport.org)** (www.intentionalpeersupport.org)"
        in (everything)
    )
