"""Cleaning user text: plain text only, shown escaped; no markup is ever interpreted."""
import re
import unicodedata

from market.core.errors import ServiceError

_CONTROL = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")
_BLANK_LINES = re.compile(r"\n{3,}")


def clean(text: str | None, max_length: int) -> str:
    """Normalize, drop control and direction-override characters, keep at most one blank line."""
    text = unicodedata.normalize("NFC", text or "").replace("\r\n", "\n").replace("\r", "\n")
    text = _CONTROL.sub("", text)
    text = _BLANK_LINES.sub("\n\n", text)
    return "\n".join(line.rstrip() for line in text.strip().split("\n"))[:max_length]


def bigrams(text: str) -> set[str]:
    """Character pairs of the letters and digits: a tokenizer-free similarity key for Chinese."""
    letters = "".join(ch for ch in text.lower() if ch.isalnum())
    return {letters[i:i + 2] for i in range(len(letters) - 1)} or ({letters} if letters else set())


def similarity(a: str, b: str) -> float:
    first, second = bigrams(a), bigrams(b)
    if not first or not second:
        return 0.0
    return len(first & second) / len(first | second)


def moment(value) -> str:
    """A stored (naive UTC) date and time, as the reader's language and time zone write it."""
    from datetime import timezone

    from flask_babel import format_datetime

    return format_datetime(value.replace(tzinfo=timezone.utc), "short")


def required(value: str | None, max_length: int, message: str, field: str = "reason", code: str | None = None) -> str:
    """Cleaned text that must not be empty (a reason, a question, an answer); refused with `message`
    (and `code`, the name of the rule that asks for it)."""
    cleaned = clean(value, max_length)
    if not cleaned:
        raise ServiceError(message, field=field, code=code)
    return cleaned
