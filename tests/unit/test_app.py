"""The composition root: the core services are wired once and cannot be swapped afterwards."""

from __future__ import annotations

import dataclasses

import pytest

from bot.app import Services

FIELDS = [field.name for field in dataclasses.fields(Services)]


@pytest.mark.parametrize("name", FIELDS)
def test_services_fields_cannot_be_reassigned(services: Services, name: str) -> None:
    # Feature services built from these keep their own references, so a swap would leave two copies
    # (a second scheduler, say); a test that needs another part builds other Services instead.
    original = getattr(services, name)
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(services, name, object())
    assert getattr(services, name) is original
