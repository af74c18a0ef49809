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


def test_the_hash_key_from_the_environment_is_the_key_in_use(tmp_path):
    import base64
    import hashlib
    import hmac

    raw = bytes(range(32))
    keys, _ = load_or_create_keys(
        tmp_path / "k.keys", Fernet.generate_key().decode(), base64.urlsafe_b64encode(raw).decode()
    )
    assert keys.hash_key == raw
    expected = hmac.new(raw, b"author\x1f7\x1f8", hashlib.sha256).hexdigest()
    assert keys.tag("author", 7, 8) == expected


def test_the_keys_file_is_the_key_in_use_and_tags_survive_a_restart(tmp_path):
    import base64
    import json

    path = tmp_path / "bot.keys"
    first, _ = load_or_create_keys(path)
    stored = json.loads(path.read_text("utf-8"))
    assert first.hash_key == base64.urlsafe_b64decode(stored["hash_key"])
    assert first.encryption_key == stored["encryption_key"].encode()
    assert first.hash_key is not None and len(first.hash_key) == 32
    token = first.encrypt("kept")
    restarted, created = load_or_create_keys(path)
    assert not created
    assert restarted.tag("author", 1, 2) == first.tag("author", 1, 2)
    assert restarted.decrypt(token) == "kept"


def test_a_31_byte_hash_key_is_refused_and_32_accepted(tmp_path):
    import base64

    fernet = Fernet.generate_key().decode()
    with pytest.raises(SettingsError, match="at least 32 bytes"):
        load_or_create_keys(tmp_path / "a.keys", fernet, base64.urlsafe_b64encode(b"x" * 31).decode())
    keys, _ = load_or_create_keys(tmp_path / "b.keys", fernet, base64.urlsafe_b64encode(b"x" * 32).decode())
    assert keys.hash_key == b"x" * 32


def test_repr_hides_both_secrets():
    keys = ephemeral_keys()
    shown = repr(keys) + str(keys)
    assert keys.encryption_key.decode() not in shown
    assert keys.hash_key.hex() not in shown
    assert repr(keys.hash_key) not in shown
