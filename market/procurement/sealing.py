"""Sealing bids: contents are encrypted at rest until opening, and every submission gets a
SHA-256 digest of its canonical form that anyone can recompute after opening."""
import base64
import hashlib
import json

from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app


def _fernet() -> Fernet:
    key = current_app.config.get("BID_ENCRYPTION_KEY")
    if not key:
        # Derived from SECRET_KEY so a fresh machine works; production sets its own key
        # (README), because changing SECRET_KEY must never make sealed bids unreadable.
        raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"market bid sealing").derive(
            current_app.config["SECRET_KEY"].encode())
        key = base64.urlsafe_b64encode(raw)
    return Fernet(key)


def canonical(payload: dict) -> bytes:
    """One byte string per content: keys sorted, no spaces, UTF-8."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def digest(payload: dict) -> str:
    return hashlib.sha256(canonical(payload)).hexdigest()


def seal(payload: dict) -> bytes:
    return _fernet().encrypt(canonical(payload))


def unseal(token: bytes) -> dict:
    return json.loads(_fernet().decrypt(token))


def seal_bytes(data: bytes) -> bytes:
    return _fernet().encrypt(data)


def unseal_bytes(token: bytes) -> bytes:
    return _fernet().decrypt(token)


SMALLEST_SEALED_FILE = 64 * 1024


def seal_file(data: bytes) -> bytes:
    """A file's bytes sealed after padding with zeros to a power of two (at least 64 KiB), so that
    the length on disk tells only that bound, not the file's size (kept in the sealed bid)."""
    padded = max(SMALLEST_SEALED_FILE, 1 << (len(data) - 1).bit_length())
    return seal_bytes(data + bytes(padded - len(data)))


def unseal_file(token: bytes, size: int) -> bytes:
    """The file sealed by `seal_file` (or, unpadded, by `seal_bytes`), cut to its size."""
    return unseal_bytes(token)[:size]
