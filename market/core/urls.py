"""Where a link may send people back to."""
from urllib.parse import urlsplit


def safe_next(target: str | None, fallback: str) -> str:
    """Only same-site paths, so a crafted link cannot send people elsewhere after an action."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//"):
            return target
    return fallback
