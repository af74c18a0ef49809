"""Secrets: generated once with owner-only permissions, taken from the environment when set."""

from __future__ import annotations

import os
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


# What the operator reads when a key is wrong: the setting's name and what to do, word for word.
FERNET_REFUSED = "ENCRYPTION_KEY: is not a valid key; leave it empty to have one generated."
BASE64_REFUSED = "HASH_KEY: is not valid base64; leave it empty to have one generated."
TOO_SHORT = "HASH_KEY: must be at least 32 bytes (base64); leave it empty to have one generated."


@pytest.mark.parametrize("bad", ["short", "é" * 44])
def test_an_unusable_encryption_key_is_refused_with_the_full_instruction(tmp_path, bad):
    with pytest.raises(SettingsError) as refused:
        load_or_create_keys(tmp_path / "k.keys", bad, "A" * 44)
    assert str(refused.value) == FERNET_REFUSED
    assert refused.value.setting == "ENCRYPTION_KEY"
    assert not (tmp_path / "k.keys").exists()


@pytest.mark.parametrize(("bad", "expected"), [("A", BASE64_REFUSED), ("é" * 44, BASE64_REFUSED), ("QUJD", TOO_SHORT)])
def test_an_unusable_hash_key_is_refused_with_the_full_instruction(tmp_path, bad, expected):
    with pytest.raises(SettingsError) as refused:
        load_or_create_keys(tmp_path / "k.keys", Fernet.generate_key().decode(), bad)
    assert str(refused.value) == expected
    assert refused.value.setting == "HASH_KEY"
    assert not (tmp_path / "k.keys").exists()


def test_a_damaged_keys_file_is_named_and_left_as_it_was(tmp_path):
    path = tmp_path / "bot.keys"
    path.write_text("{not json", "utf-8")
    with pytest.raises(SettingsError) as refused:
        load_or_create_keys(path)
    assert str(refused.value) == f"keys file: {path} cannot be read; restore it from your backup."
    assert refused.value.setting == "keys file"
    assert path.read_text("utf-8") == "{not json"


def test_the_keys_file_can_be_created_several_folders_deep(tmp_path):
    path = tmp_path / "srv" / "peer-circle" / "data" / "bot.keys"
    keys, created = load_or_create_keys(path)
    assert created
    assert load_or_create_keys(path) == (keys, False)


class _WatchedKeys(dict):
    """The keys to write, noting the file's permissions at the moment they are being written."""

    def __init__(self, path, values):
        super().__init__(values)
        self.path = path
        self.modes_while_writing: list[int] = []

    def items(self):
        self.modes_while_writing.append(stat.S_IMODE(self.path.stat().st_mode))
        return super().items()


def test_the_keys_file_is_owner_only_even_while_it_is_being_written(tmp_path):
    from bot.keys import load_keys, write_keys_file

    path = tmp_path / "bot.keys"
    _, pending = load_keys(path)
    assert pending is not None
    watched = _WatchedKeys(path, pending)
    old_umask = os.umask(0)  # the most permissive umask: only the bot's own mode protects the file
    try:
        write_keys_file(path, watched)
    finally:
        os.umask(old_umask)
    assert watched.modes_while_writing and set(watched.modes_while_writing) == {0o600}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_fresh_keys_in_memory_have_the_size_of_generated_ones(tmp_path):
    import base64
    import json

    load_or_create_keys(tmp_path / "bot.keys")
    generated = base64.urlsafe_b64decode(json.loads((tmp_path / "bot.keys").read_text("utf-8"))["hash_key"])
    fresh = ephemeral_keys()
    assert len(fresh.hash_key) == len(generated) == 32
    assert fresh.hash_key != ephemeral_keys().hash_key
