"""One-time codes handed out in person (residence, rating): easy to read aloud, kept only as hashes."""
import hashlib
import secrets

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I/L to misread
LENGTH = 8


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _i in range(LENGTH))


def normalize(code: str) -> str:
    return "".join((code or "").split()).upper()


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()
