"""Secrets: generated once with owner-only permissions, taken from the environment when set."""

from __future__ import annotations

import stat

import pytest
from cryptography.fernet import Fernet

from bot.config import SettingsError
from bot.keys import ephemeral_keys, load_or_create_keys


def test_first_start_creates_owner_only_file_then_reuses_it(tmp_path):
    path = tmp_path / "data" / "bot.keys"
    keys, created = load_or_create_keys(path)
    assert created
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    again, created_again = load_or_create_keys(path)
    assert not created_again
    assert again == keys


def test_environment_keys_win_and_no_file_is_needed(tmp_path):
    key = Fernet.generate_key().decode()
    hash_key = "A" * 44
    keys, created = load_or_create_keys(tmp_path / "k.keys", key, hash_key)
    assert not created
    assert keys.encryption_key == key.encode()


def test_bad_environment_key_is_named(tmp_path):
    with pytest.raises(SettingsError, match="ENCRYPTION_KEY"):
        load_or_create_keys(tmp_path / "k.keys", "short", "A" * 44)
    with pytest.raises(SettingsError, match="HASH_KEY"):
        load_or_create_keys(tmp_path / "k.keys", Fernet.generate_key().decode(), "QUJD")


def test_encrypt_round_trip_and_ciphertext_hides_text():
    keys = ephemeral_keys()
    token = keys.encrypt("a hard day at work")
    assert b"hard day" not in token
    assert keys.decrypt(token) == "a hard day at work"


def test_lost_key_makes_text_unreadable_not_an_error():
    token = ephemeral_keys().encrypt("kept answer")
    assert ephemeral_keys().decrypt(token) is None


def test_tags_depend_on_every_part_and_the_secret():
    keys = ephemeral_keys()
    base = keys.tag("author", 1, 2, 3)
    assert base == keys.tag("author", 1, 2, 3)
    assert base != keys.tag("author", 1, 2, 4)
    assert base != keys.tag("pseudonym", 1, 2, 3)
    assert base != ephemeral_keys().tag("author", 1, 2, 3)
    assert all(c in "0123456789abcdef" for c in base)
