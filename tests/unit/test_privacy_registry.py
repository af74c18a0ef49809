"""The privacy registry's own rules: what `declare` refuses, the counts /privacy show gives, a statement's text.

Each refusal is checked by its message, so a check that refused for the wrong reason (or let the
declaration through) fails here rather than in a feature's import.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from bot import privacy
from bot.privacy import (
    FORGET_ACTIONS,
    REGISTRY,
    DataStatement,
    StoresNothing,
    TableDeclaration,
    count_items,
    declare,
    follows_server_retention,
    load_declarations,
)

TABLE = "zz_test_table"


@pytest.fixture(autouse=True)
def _clean_registry() -> Iterator[None]:
    """The registry is process-wide: leave it as it was."""
    yield
    REGISTRY.pop(TABLE, None)


def _personal(**changes: Any) -> TableDeclaration:
    fields: dict[str, Any] = {
        "table": TABLE,
        "feature": "test",
        "purpose": "testing",
        "personal": True,
        "user_columns": ("user_id",),
        "expires_column": "expires_at",
    }
    fields.update(changes)
    return TableDeclaration(**fields)


def test_a_complete_declaration_is_kept_and_returned() -> None:
    decl = _personal()
    assert declare(decl) is decl
    assert REGISTRY[TABLE] is decl


def test_the_defaults_say_only_the_member_sees_it_and_forget_erases() -> None:
    decl = _personal()
    assert decl.who_can_see == "Nobody but the member."
    assert decl.on_forget == "erased"
    assert (decl.retention, decl.items, decl.linked_by, decl.retention_anchor, decl.columns) == ("", "", None, None, {})


def test_declaring_the_same_table_again_identically_is_allowed() -> None:
    declare(_personal())
    declare(_personal())
    assert REGISTRY[TABLE] == _personal()


def test_declaring_a_table_twice_differently_is_refused_and_the_first_stays() -> None:
    declare(_personal())
    with pytest.raises(ValueError, match=f"^table {TABLE} is declared twice, differently$"):
        declare(_personal(purpose="another"))
    assert REGISTRY[TABLE].purpose == "testing"


def test_personal_data_without_expiry_is_refused() -> None:
    with pytest.raises(ValueError, match=f"^table {TABLE} holds personal data but declares no expiry column$"):
        declare(_personal(expires_column=None))
    assert TABLE not in REGISTRY


def test_a_table_about_nobody_needs_no_expiry_nor_link() -> None:
    decl = _personal(personal=False, expires_column=None, user_columns=())
    assert declare(decl) is decl


def test_personal_data_linked_to_nobody_is_refused() -> None:
    with pytest.raises(ValueError, match=f"^table {TABLE} holds personal data but says nothing links it to a member$"):
        declare(_personal(user_columns=()))
    assert TABLE not in REGISTRY


def test_personal_data_linked_by_a_hash_alone_is_accepted() -> None:
    decl = _personal(user_columns=(), linked_by="keyed hash of the member's id")
    assert declare(decl) is decl


@pytest.mark.parametrize("action", ["erased", "unlinked", "kept"])
def test_each_forget_action_is_accepted(action: str) -> None:
    assert declare(_personal(on_forget=action)).on_forget == action


def test_an_unknown_forget_action_is_refused_naming_the_choices() -> None:
    message = f"^table {TABLE}: on_forget must be one of \\['erased', 'kept', 'unlinked'\\]$"
    with pytest.raises(ValueError, match=message):
        declare(_personal(on_forget="hidden"))
    assert TABLE not in REGISTRY


def test_following_server_retention_needs_items_for_counts() -> None:
    message = f"^table {TABLE} follows the server's retention but names no items for counts$"
    with pytest.raises(ValueError, match=message):
        declare(_personal(retention_anchor="created_at"))
    assert TABLE not in REGISTRY
    assert declare(_personal(retention_anchor="created_at", items="notes")).items == "notes"


def test_forget_actions_are_described_in_plain_words() -> None:
    assert FORGET_ACTIONS == {
        "erased": "Erased",
        "unlinked": "Your id is removed; the row stays with the server",
        "kept": "Kept until it ends (see how long it is kept)",
    }


def test_only_tables_with_an_anchor_follow_server_retention_in_table_order() -> None:
    b = _personal(table="b", retention_anchor="created_at", items="bs")
    a = _personal(table="a", retention_anchor="made_at", items="as")
    plain = _personal(table="c")
    assert follows_server_retention([b, plain, a]) == [a, b]


def test_load_declarations_imports_the_modules_it_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    name = "cogs.venting.repository"
    # Imported afresh for this test only: the module already loaded is put back afterwards, so other
    # tests keep the same classes.
    import cogs.venting.repository  # noqa: F401 - makes sure it is in sys.modules

    # From sys.modules, with raising=False: an extension reload elsewhere in the suite can leave the module
    # loaded while the package attribute is gone.
    monkeypatch.setattr(sys.modules["cogs.venting"], "repository", sys.modules[name], raising=False)
    monkeypatch.delitem(sys.modules, name)
    registry = load_declarations([name])
    assert registry is REGISTRY
    assert name in sys.modules


def test_counts_count_list_items_and_single_values() -> None:
    export = {
        "notes": [1, 2, 3],
        "empty": [],
        "settings": {"a": 1},
        "none": None,
        "nothing": {},
        "blank": "",
        "zone": "Europe/Paris",
        "zero": 0,
    }
    assert count_items(export) == {"notes": 3, "settings": 1, "zone": 1, "zero": 1}


def test_counts_of_an_empty_export_are_empty() -> None:
    assert count_items({}) == {}


def test_a_statement_renders_each_part_on_its_own_line() -> None:
    statement = DataStatement("Notes", "your notes", "so you can read them", "only you", "until you delete them")
    assert statement.render() == (
        "**Notes**\n- What: your notes\n- Why: so you can read them\n"
        "- Who can see it: only you\n- How long: until you delete them"
    )
    assert statement.stores_personal_data is True and statement.tables == ()


def test_a_feature_keeping_nothing_says_so_in_one_line() -> None:
    statement = DataStatement.nothing("Help", "Keeps nothing about anyone.")
    assert statement == DataStatement(
        "Help", "Keeps nothing about anyone.", why="", who_can_see="", how_long="", stores_personal_data=False
    )
    assert statement.render() == "**Help**: Keeps nothing about anyone."


async def test_a_cog_keeping_nothing_exports_and_erases_nothing() -> None:
    cog = StoresNothing()
    assert await cog.export_user_data(1) == {}
    assert await cog.delete_user_data(1) == {}


def test_participants_are_kept_in_the_module_for_the_next_call() -> None:
    cogs: list[Any] = [StoresNothing()]
    first = privacy.participants_among(cogs)
    assert privacy._known is first
    assert first.cogs == (cogs[0],)
