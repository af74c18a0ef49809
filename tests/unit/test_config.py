"""Settings: every bad value is reported with the setting's name and never the secret."""

from __future__ import annotations

import os

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import SettingsError, load_settings

GOOD_TOKEN = "MTAxMjM0NTY3ODkwMTIzNDU2Nzg5.GaBcDe.abcdefghijklmnopqrstuvwxyz0123456789AB"


def test_defaults_without_token(tmp_path):
    settings = load_settings({"DATABASE_PATH": str(tmp_path / "db.sqlite")})
    assert settings.discord_token is None
    assert settings.log_level == "INFO"
    with pytest.raises(SettingsError) as err:
        settings.require_token()
    assert err.value.setting == "DISCORD_TOKEN"


def test_token_is_never_in_repr(tmp_path):
    settings = load_settings({"DISCORD_TOKEN": GOOD_TOKEN, "DATABASE_PATH": str(tmp_path / "d.db")})
    assert GOOD_TOKEN not in repr(settings)
    assert settings.require_token() == GOOD_TOKEN


def test_malformed_token_names_setting_without_echoing_it(tmp_path):
    with pytest.raises(SettingsError) as err:
        load_settings({"DISCORD_TOKEN": "not-a-token-secret-value", "DATABASE_PATH": str(tmp_path / "d.db")})
    assert err.value.setting == "DISCORD_TOKEN"
    assert "not-a-token-secret-value" not in str(err.value)


@pytest.mark.parametrize("level", ["verbose", "5", "INF"])
def test_invalid_log_level(level, tmp_path):
    with pytest.raises(SettingsError, match="LOG_LEVEL"):
        load_settings({"LOG_LEVEL": level, "DATABASE_PATH": str(tmp_path / "d.db")})


def test_log_level_is_case_insensitive(tmp_path):
    assert load_settings({"LOG_LEVEL": "debug", "DATABASE_PATH": str(tmp_path / "d.db")}).log_level == "DEBUG"


def test_unwritable_database_folder(tmp_path, monkeypatch):
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o500)
    # CI runs as root, which may write anywhere; ask the same question the code asks, as a normal user would.
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if str(p) == str(locked) else real_access(p, mode))
    with pytest.raises(SettingsError, match="DATABASE_PATH") as err:
        load_settings({"DATABASE_PATH": str(locked / "sub" / "db.sqlite")})
    assert "cannot be written" in str(err.value)


def test_database_path_that_is_a_folder(tmp_path):
    with pytest.raises(SettingsError, match="DATABASE_PATH"):
        load_settings({"DATABASE_PATH": str(tmp_path)})


def test_database_path_under_a_file(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(SettingsError, match="DATABASE_PATH"):
        load_settings({"DATABASE_PATH": str(blocker / "db.sqlite")})


@pytest.mark.parametrize("value", ["abc", "12", "1234567890123456789012345"])
def test_bad_dev_guild_id(value, tmp_path):
    with pytest.raises(SettingsError, match="DEV_GUILD_ID"):
        load_settings({"DEV_GUILD_ID": value, "DATABASE_PATH": str(tmp_path / "d.db")})


@given(st.text(max_size=80))
def test_any_token_text_either_loads_or_names_the_setting(text):
    try:
        settings = load_settings({"DISCORD_TOKEN": text, "DATABASE_PATH": "data/x.db"})
    except SettingsError as error:
        assert error.setting == "DISCORD_TOKEN"
        # The message is the same whatever was typed, so no part of a token is ever echoed (a
        # substring check fails on inputs like "DISC" that the fixed text itself contains).
        with pytest.raises(SettingsError) as reference:
            load_settings({"DISCORD_TOKEN": "not-a-token", "DATABASE_PATH": "data/x.db"})
        assert str(error) == str(reference.value)
    else:
        assert settings.discord_token is None or "." in settings.discord_token
