"""Strategy cards, favourites, the strategy of the week and the organization's-side export.

Every card pairs what a peer can do with what the organization should do in the same challenge
group, so no card frames wellbeing as individual resilience alone (values.md, shared responsibility).
No Discord import: the cogs turn cards into embeds.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from bot.clock import Clock, to_timestamp
from bot.content.role_word import RoleWord
from bot.content.store import ContentStore, Strategy, StrategyGroup
from bot.errors import UserFacingError
from bot.services.guild_settings import FeatureSwitch, GuildSettingsService, register_feature
from bot.services.help_tips import Tip, register_tip
from cogs.strategies.repository import FavouritesRepository

if TYPE_CHECKING:
    from bot.app import Services


FEATURE = register_feature(FeatureSwitch("strategies", "Strategies", default=True))
# What /help suggests for this feature (bot.services.help_tips).
register_tip(
    Tip(
        "member",
        10,
        FEATURE.key,
        "strategy random",
        "a way peers withstand prejudice and discrimination, beside the organization's part",
    )
)

MAX_FAVOURITES = 50
SEARCH_LIMIT = 10
# Week numbers count from this Monday so each server's rotation is stable across restarts.
_EPOCH_MONDAY = date(2024, 1, 1)


@dataclass(frozen=True)
class Card:
    """One strategy card: a peer-side item beside the organization item(s) that answer the same problem.

    The pairing is written in the content (``answered_by``) and checked when it loads, so a card never
    shows two unrelated texts side by side.
    """

    group: StrategyGroup
    peer: Strategy
    organizations: tuple[Strategy, ...]
    sources: str  # the source titles, ready for members to read

    @property
    def title(self) -> str:
        """The card's heading: the peer-side title."""
        return self.peer.title

    @property
    def organization(self) -> Strategy:
        """The first organization item answering the peer item."""
        return self.organizations[0]


def peer_side(strategies: tuple[Strategy, ...]) -> list[Strategy]:
    """What a peer (or peers and the organization together) can take up."""
    return [s for s in strategies if s.who in ("peer", "shared")]


class StrategyService:
    """Read strategies as cards and keep a member's favourites."""

    @classmethod
    def build(cls, services: Services) -> StrategyService:
        """The service over the bot's core services (what the extension's setup and tests use)."""
        return cls(services.content, FavouritesRepository(services.db), services.clock, services.guilds)

    def __init__(
        self, content: ContentStore, favourites: FavouritesRepository, clock: Clock, guilds: GuildSettingsService
    ) -> None:
        self.content = content
        self.favourites = favourites
        self.clock = clock
        self.guilds = guilds
        # Cards depend only on the content, which is loaded once: build them all now.
        self._cards: dict[str, list[Card]] = {g.id: self._build_cards(g) for g in content.groups}
        self._card_of: dict[str, Card] = {}
        for group in content.groups:
            self._index_cards(group)

    def _build_cards(self, group: StrategyGroup) -> list[Card]:
        cards = []
        for peer in peer_side(self.content.strategies_in(group.id)):
            answers = tuple(a for a in (self.content.strategy(i) for i in peer.answered_by) if a is not None)
            if answers:  # the loader refuses an unpaired item; this only guards hand-built test stores
                sources = self.content.cite([*peer.sources, *(s for a in answers for s in a.sources)])
                cards.append(Card(group, peer, answers, sources))
        return cards

    def _index_cards(self, group: StrategyGroup) -> None:
        for card in self._cards[group.id]:
            self._card_of.setdefault(card.peer.id, card)
            for answer in card.organizations:
                self._card_of.setdefault(answer.id, card)

    # -- looking things up -----------------------------------------------------------------------

    def group(self, group_id: str) -> StrategyGroup:
        """The group with this id, or a UserFacingError listing the groups there are."""
        group = self.content.group(group_id)
        if group is None:
            names = ", ".join(f"{g.name} (`{g.id}`)" for g in self.content.groups)
            raise UserFacingError(f"I don't know the group '{group_id[:40]}'. The groups are: {names}."[:1900])
        return group

    def cards(self, group_id: str) -> list[Card]:
        """Every card of a group, in content order."""
        return self._cards[self.group(group_id).id]

    def card_for(self, strategy_id: str) -> Card | None:
        """The card showing a strategy beside its counterpart, or None for an unknown id."""
        return self._card_of.get(strategy_id)

    def random_card(self, group_id: str | None = None, rng: random.Random | None = None) -> Card:
        """A card picked at random, from one group or all."""
        pool = self.cards(group_id) if group_id else [c for cards in self._cards.values() for c in cards]
        if not pool:
            raise UserFacingError("There are no strategies loaded yet.")
        return (rng or random).choice(pool)

    def search(self, words: str) -> list[Card]:
        """Cards for the strategies matching the words, best first, each card once."""
        found: list[Card] = []
        for strategy in self.content.search(words, SEARCH_LIMIT):
            card = self.card_for(strategy.id)
            if card is not None and card not in found:
                found.append(card)
        return found

    def week_card(self, guild_id: int, day: date) -> Card:
        """The strategy of the week for a server: a stable rotation through every card."""
        pool = [c for cards in self._cards.values() for c in cards]
        if not pool:
            raise UserFacingError("There are no strategies loaded yet.")
        week = (day - _EPOCH_MONDAY).days // 7
        # Offset by server so neighbouring servers don't all post the same card the same week.
        return pool[(week + guild_id) % len(pool)]

    # -- favourites ----------------------------------------------------------------------------

    async def _expiry(self, guild_id: int) -> tuple[int, int, int]:
        days = (await self.guilds.get(guild_id)).retention_days
        now = self.clock.now()
        return to_timestamp(now), to_timestamp(now + timedelta(days=days)), days

    async def save(self, guild_id: int, user_id: int, strategy_id: str) -> tuple[bool, int]:
        """Save a strategy for the member; return (newly saved, days it is kept)."""
        if self.content.strategy(strategy_id) is None:
            raise UserFacingError(
                f"There is no strategy '{strategy_id[:40]}'. Start typing its title and pick it from the list."
            )
        await self.guilds.ensure_guild(guild_id)
        now_ts, expires_ts, days = await self._expiry(guild_id)
        # Counted and saved in one transaction: two saves at once (a double press, two quick picks) would
        # otherwise both count one below the limit and both save.
        async with self.favourites.db.transaction():
            if await self.favourites.count(guild_id, user_id) >= MAX_FAVOURITES:
                raise UserFacingError(f"You can save up to {MAX_FAVOURITES} strategies. /strategy unsave makes room.")
            added = await self.favourites.add(guild_id, user_id, strategy_id, now_ts, expires_ts)
        return added, days

    async def saved(self, guild_id: int, user_id: int) -> tuple[list[Strategy], int]:
        """The member's saved strategies that still exist, and how many vanished ones were cleaned."""
        ids = await self.favourites.ids(guild_id, user_id)
        found = [s for s in (self.content.strategy(i) for i in ids) if s is not None]
        vanished = [i for i in ids if self.content.strategy(i) is None]
        if vanished:
            # The content changed under the favourite: drop it rather than fail every time.
            await self.favourites.remove(guild_id, user_id, vanished)
        return found, len(vanished)

    async def unsave(self, guild_id: int, user_id: int, strategy_id: str) -> bool:
        """Remove one saved strategy; False if it was not saved."""
        return await self.favourites.remove(guild_id, user_id, [strategy_id]) > 0

    async def export(self, user_id: int) -> list[dict[str, object]]:
        """The member's saved strategies in every server, for /privacy export."""
        return await self.favourites.for_user(user_id)

    async def forget(self, user_id: int) -> int:
        """Remove the member's saved strategies everywhere; return how many went."""
        return await self.favourites.delete_for_user(user_id)

    async def reminder_card(self, guild_id: int, user_id: int, group_id: str | None, turn: int) -> Card | None:
        """The card for a reminder: the member's favourites in turn, or a group's cards in turn.

        None when the member chose favourites and has none left (the reminder says so instead).
        """
        if group_id:
            cards = self._cards.get(group_id) or []
        else:
            strategies, _ = await self.saved(guild_id, user_id)
            cards = [c for c in (self.card_for(s.id) for s in strategies) if c is not None]
        return cards[turn % len(cards)] if cards else None

    # -- export --------------------------------------------------------------------------------

    def organization_markdown(self, group_id: str | None, role: RoleWord) -> str:
        """The organization's side of one group or all, as Markdown to bring to a supervisor or committee."""
        groups = [self.group(group_id)] if group_id else list(self.content.groups)
        lines = [
            f"# What organizations can do to support {role.plural}",
            "",
            f"Every challenge {role.with_article} meets at work has two sides: what {role.plural} can do, and",
            "what coworkers, supervisors and the organization should do. This is the organization's side.",
            "",
        ]
        for group in groups:
            lines += [f"## {group.name}", "", group.description, ""]
            for strategy in self.content.strategies_in(group.id):
                if not strategy.is_organization_side:
                    continue
                shared = " (shared with peers)" if strategy.who == "shared" else ""
                lines += [f"### {strategy.title}{shared}", "", strategy.text, ""]
                lines += [f"_Sources: {self.content.cite(strategy.sources)}_", ""]
        lines.append("Shared by the peer-circle bot. Each item names the talk or writing it draws on.")
        return "\n".join(lines)
