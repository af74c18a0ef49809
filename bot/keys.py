"""The bot's two secrets: one to encrypt personal free text at rest, one for anonymity's keyed hashes.

They come from the environment when set. Otherwise the first start creates them in a file beside the
database, readable by its owner only, and says so once. Losing that file makes stored answers
unreadable and cuts every anonymous post off from its author: that is the design, not a bug.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

from bot.config import SettingsError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Keys:
    """Holds the secrets and offers the only operations the bot performs with them."""

    encryption_key: bytes = field(repr=False)
    hash_key: bytes = field(repr=False)

    def encrypt(self, text: str) -> bytes:
        """Encrypt a member's text for storage (Fernet: AES-128-CBC with HMAC-SHA256)."""
        return Fernet(self.encryption_key).encrypt(text.encode("utf-8"))

    def decrypt(self, token: bytes) -> str | None:
        """Decrypt stored text; None when the key no longer matches (the text is lost by design)."""
        try:
            return Fernet(self.encryption_key).decrypt(token).decode("utf-8")
        except InvalidToken:
            return None

    def tag(self, purpose: str, *parts: int | str) -> str:
        """A keyed hash (HMAC-SHA256) of the parts, used instead of storing who someone is."""
        message = "\x1f".join([purpose, *(str(p) for p in parts)]).encode("utf-8")
        return hmac.new(self.hash_key, message, hashlib.sha256).hexdigest()


def _decode_fernet_key(value: str, setting: str) -> bytes:
    try:
        Fernet(value.encode("ascii"))
    except (ValueError, binascii.Error, UnicodeEncodeError) as error:
        raise SettingsError(setting, "is not a valid key; leave it empty to have one generated.") from error
    return value.encode("ascii")


def _decode_hash_key(value: str, setting: str) -> bytes:
    try:
        raw = base64.urlsafe_b64decode(value.encode("ascii"))
    except (ValueError, binascii.Error, UnicodeEncodeError) as error:
        raise SettingsError(setting, "is not valid base64; leave it empty to have one generated.") from error
    if len(raw) < 32:
        raise SettingsError(setting, "must be at least 32 bytes (base64); leave it empty to have one generated.")
    return raw


def load_keys(
    keys_path: Path, encryption_key: str | None = None, hash_key: str | None = None
) -> tuple[Keys, dict[str, str] | None]:
    """Return the keys, generating in memory any that neither the environment nor the file holds.

    The second value is what the keys file must hold when something was generated (None when the
    file is already complete). Nothing is written here: the entry point writes the file only once
    Discord has accepted the token, so a refused token leaves no secrets behind.
    """
    stored: dict[str, str] = {}
    if keys_path.exists():
        try:
            stored = json.loads(keys_path.read_text("utf-8"))
        except (OSError, ValueError) as error:
            raise SettingsError("keys file", f"{keys_path} cannot be read; restore it from your backup.") from error
    missing = [
        name
        for name, env in (("encryption_key", encryption_key), ("hash_key", hash_key))
        if not env and name not in stored
    ]
    if "encryption_key" in missing:
        stored["encryption_key"] = Fernet.generate_key().decode("ascii")
    if "hash_key" in missing:
        stored["hash_key"] = base64.urlsafe_b64encode(secrets.token_bytes(32)).decode("ascii")
    keys = Keys(
        encryption_key=_decode_fernet_key(encryption_key or stored["encryption_key"], "ENCRYPTION_KEY"),
        hash_key=_decode_hash_key(hash_key or stored["hash_key"], "HASH_KEY"),
    )
    return keys, (stored if missing else None)


def write_keys_file(keys_path: Path, stored: dict[str, str]) -> None:
    """Write the keys file, readable by its owner only."""
    keys_path.parent.mkdir(parents=True, exist_ok=True)
    # Create with owner-only permissions from the start, never world-readable even for a moment.
    fd = os.open(keys_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(stored, handle)
    os.chmod(keys_path, 0o600)


def load_or_create_keys(
    keys_path: Path, encryption_key: str | None = None, hash_key: str | None = None
) -> tuple[Keys, bool]:
    """Return the keys, creating the keys file when needed; the flag says whether it was created."""
    keys, pending = load_keys(keys_path, encryption_key, hash_key)
    if pending is not None:
        write_keys_file(keys_path, pending)
    return keys, pending is not None


def ephemeral_keys() -> Keys:
    """Fresh keys held only in memory, for tests and --check."""
    return Keys(Fernet.generate_key(), secrets.token_bytes(32))
