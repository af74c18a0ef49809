"""Which Discord shards this process holds, and so which servers' work is its to do.

Discord puts a server on shard `(server_id >> 22) % shard_count`. With several processes, each holds some
shards (SHARD_IDS) and does only its own servers' interactions, scheduled posts and housekeeping; work that
belongs to no server (a member's own check-ins and reminders, sent by DM) goes to whichever process claims
it first. Discord's global rate limit is per bot, so each process sends at most its share of it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Shards:
    """The shard count and the shards this process holds (all of them unless SHARD_IDS says otherwise)."""

    count: int = 1
    ids: frozenset[int] = frozenset({0})

    def __post_init__(self) -> None:
        if self.count < 1 or not self.ids or any(not 0 <= i < self.count for i in self.ids):
            raise ValueError("shard ids must be between 0 and the shard count - 1")

    @classmethod
    def all_of(cls, count: int) -> Shards:
        """Every shard of `count`: one process holds them all."""
        return cls(count, frozenset(range(count)))

    @property
    def holds_all(self) -> bool:
        """Whether this process holds every shard (the only process)."""
        return len(self.ids) == self.count

    @staticmethod
    def shard_of(guild_id: int, count: int) -> int:
        """Discord's shard for a server."""
        return (guild_id >> 22) % count

    def owns(self, guild_id: int | None) -> bool:
        """Whether a server's work is this process's (work of no server, `None`, is anyone's)."""
        return guild_id is None or self.holds_all or self.shard_of(guild_id, self.count) in self.ids

    @property
    def share(self) -> float:
        """This process's part of the bot's global rate limit: its shards over all shards."""
        return len(self.ids) / self.count

    @property
    def token(self) -> str:
        """A name for this shard set, the same at every start ("all" for one process holding every shard)."""
        return "all" if self.holds_all else "s" + "-".join(str(i) for i in self.sorted_ids()) + f"of{self.count}"

    def sorted_ids(self) -> list[int]:
        """The shard ids, in order (for SQL parameters and logs)."""
        return sorted(self.ids)


@dataclass(frozen=True)
class Scope:
    """What one process may claim: the work of its shards' servers, and kinds anyone may take (DMs)."""

    shards: Shards
    anyone_kinds: tuple[str, ...] = ()
    # False while the process has no room for more of the kinds anyone may take: it then takes none of them,
    # not even its own servers' (another process with room will).
    take_anyone: bool = True
