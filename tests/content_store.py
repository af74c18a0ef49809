"""A tiny hand-built content store for tests, so they don't depend on the shipped content's wording."""

from __future__ import annotations

from datetime import date

from bot.content.store import ContentStore, ExplainText, Resource, Strategy, StrategyGroup

GROUPS = (
    StrategyGroup("expectations", "Prejudice and heightened expectations", "Being held to a different standard."),
    StrategyGroup("isolation", "Isolation and exhaustion", "Being the only peer on a team."),
)
STRATEGIES = (
    Strategy(
        "not-about-me",
        "expectations",
        "It's not about me",
        "Name that the prejudice is not yours to carry.",
        "Some peers find it helps to say that a coworker's prejudice is not about them.",
        "peer",
        ("003",),
        answered_by=("train-staff",),
    ),
    Strategy(
        "choose-battles",
        "expectations",
        "Choose your battles",
        "Pick which moments to push back on.",
        "Not every remark needs an answer; some peers save energy for what matters most.",
        "peer",
        ("003",),
        answered_by=("train-staff",),
    ),
    Strategy(
        "train-staff",
        "expectations",
        "Train every coworker on peer roles",
        "Teach staff what peer work is.",
        "The organization can train all staff on what peer roles are and are not.",
        "organization",
        ("003",),
    ),
    Strategy(
        "peer-network",
        "isolation",
        "Find peers outside work",
        "Meet other peers beyond your workplace.",
        "Many peers find support from peers in other organizations.",
        "peer",
        ("000",),
        answered_by=("peer-supervision",),
    ),
    Strategy(
        "peer-supervision",
        "isolation",
        "Offer peer supervision",
        "Provide supervision by a peer.",
        "Supervision by someone who has done peer work helps peers stay in the role.",
        "organization",
        ("000",),
    ),
    Strategy(
        "co-reflect",
        "isolation",
        "Co-reflect together",
        "Reflect with peers and supervisors together.",
        "Teams can set time aside to reflect together on hard situations.",
        "shared",
        ("003",),
        answered_by=("peer-supervision",),
    ),
)
RESOURCES = (
    Resource(
        "ips",
        "Intentional Peer Support",
        "https://www.intentionalpeersupport.org",
        "A way of thinking about and doing peer support.",
        ("training",),
        None,
        date(2026, 11, 1),
        ("000",),
    ),
    Resource(
        "hvn",
        "Hearing Voices Network",
        "https://www.hearing-voices.org",
        "Groups for people who hear voices.",
        ("movement", "groups"),
        "Some clinicians dispute its approach.",
        date(2026, 11, 1),
        ("000",),
        checked=date(2026, 11, 20),
    ),
)
EXPLAIN = ExplainText(
    short="Peer support is mutual support between people with lived experience.",
    long="Peer support is mutual, not clinical. It is not a junior clinical role.",
    sources=("002",),
)


def tiny_content() -> ContentStore:
    """Two groups with both sides, six strategies, two resources and the explainer."""
    return ContentStore(
        groups=GROUPS,
        strategies=STRATEGIES,
        prompts=(),
        tags=("training", "movement", "groups"),
        resources=RESOURCES,
        explain=EXPLAIN,
    )
