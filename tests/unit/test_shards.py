"""Several processes: the settings that make one (and refuse what would break), which servers are a process's,
its share of Discord's rate limit, the sharded bot, and a process never forgetting another's servers."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from bot.app import GLOBAL_RATE_LIMIT, PeerCircleBot, Services, ShardedPeerCircleBot, dm_rate, make_production_bot
from bot.config import SettingsError, load_settings
from bot.delivery.queue import DEFAULT_RATE
from bot.shards import Shards

URL = "postgresql://bot:s3cret-pw@db.internal:5432/peercircle"
KEYS = {"ENCRYPTION_KEY": "x" * 44, "HASH_KEY": "y" * 44}


def test_one_process_needs_nothing_new(tmp_path: Path) -> None:
    plain = load_settings({"DATABASE_PATH": str(tmp_path / "bot.db")})
    assert plain.shards is None and plain.database_url is None
    assert plain.database_target == str(tmp_path / "bot.db")


def test_several_processes_on_postgresql(tmp_path: Path) -> None:
    chosen = load_settings(
        {"DATABASE_PATH": str(tmp_path / "bot.db"), "DATABASE_URL": URL, "SHARD_COUNT": "4", "SHARD_IDS": "2, 3"} | KEYS
    )
    assert chosen.shards == Shards(4, frozenset({2, 3}))
    assert chosen.database_target == URL
    assert "s3cret-pw" not in repr(chosen)


@pytest.mark.parametrize(
    ("env", "setting", "words"),
    [
        ({"SHARD_IDS": "0"}, "SHARD_IDS", "needs SHARD_COUNT"),
        ({"SHARD_COUNT": "zero"}, "SHARD_COUNT", "whole number"),
        ({"SHARD_COUNT": "0"}, "SHARD_COUNT", "whole number"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "4"}, "SHARD_IDS", "from 0 to 3"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "1,1"}, "SHARD_IDS", "twice"),
        ({"SHARD_COUNT": "4", "SHARD_IDS": "0,1"}, "SHARD_IDS", "Set DATABASE_URL"),
        ({"DATABASE_URL": "mysql://x/y"}, "DATABASE_URL", "PostgreSQL address"),
        ({"DATABASE_URL": URL}, "ENCRYPTION_KEY", "peer-circle keys"),
    ],
)
def test_what_would_break_is_refused_by_name(tmp_path: Path, env: dict[str, str], setting: str, words: str) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"DATABASE_PATH": str(tmp_path / "bot.db"), **env})
    assert raised.value.setting == setting
    assert words in str(raised.value)
    assert "s3cret-pw" not in str(raised.value)


def test_a_server_belongs_to_the_process_holding_its_shard() -> None:
    guild = (123 << 22) | 77  # shard (id >> 22) % count
    assert Shards.shard_of(guild, 4) == 123 % 4
    assert Shards(4, frozenset({123 % 4})).owns(guild)
    assert not Shards(4, frozenset({(123 + 1) % 4})).owns(guild)
    assert Shards(4, frozenset({0})).owns(None)  # work of no server is anyone's
    assert Shards.all_of(4).owns(guild) and Shards().owns(guild)


def test_every_process_sends_its_share_and_together_they_stay_within_the_limit() -> None:
    assert dm_rate(Shards()) == DEFAULT_RATE == dm_rate(Shards.all_of(8))
    for count in (2, 3, 4, 8, 16):
        halves = [Shards(count, frozenset(range(0, count // 2))), Shards(count, frozenset(range(count // 2, count)))]
        each = [Shards(count, frozenset({k})) for k in range(count)]
        for split in (halves, each):
            # Rates over one second plus each process's burst of one.
            assert sum(dm_rate(s) for s in split) + len(split) <= GLOBAL_RATE_LIMIT


def test_shard_settings_make_the_sharded_bot(services: Services, tmp_path: Path) -> None:
    sharded = make_production_bot(
        services,
        load_settings(
            {"DATABASE_PATH": str(tmp_path / "b.db"), "DATABASE_URL": URL, "SHARD_COUNT": "4", "SHARD_IDS": "1,3"}
            | KEYS
        ),
    )
    assert isinstance(sharded, ShardedPeerCircleBot)
    assert sharded.shard_count == 4 and sharded.shard_ids == [1, 3]
    plain = make_production_bot(services, load_settings({"DATABASE_PATH": str(tmp_path / "b.db")}))
    assert type(plain) is PeerCircleBot


async def test_a_process_never_forgets_a_server_another_process_holds(services: Services) -> None:
    mine, theirs = (8 << 22), (9 << 22)  # shards 0 and 1 of 2
    for guild in (mine, theirs):
        await services.guilds.ensure_guild(guild)
    holds_zero = Shards(2, frozenset({0}))
    # Neither is in this process's list (the other process's server never is); only its own is judged.
    for _ in range(2):
        due = await services.guilds.servers_to_forget(frozenset(), timedelta(0), holds_zero.owns)
    assert due == [mine]
    assert (await services.guilds.repo.missing_since())[theirs] is None
