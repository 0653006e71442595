"""Response headers that every page carries, and how a password is hashed."""
from flask import current_app, has_app_context
from werkzeug.security import generate_password_hash

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "img-src 'self' data:",
        "style-src 'self'",
        "script-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


def add_security_headers(response):
    headers = response.headers
    headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
    if response.mimetype == "text/html":
        # Pages can show private data; keep them out of shared caches.
        headers.setdefault("Cache-Control", "no-store")
    return response


def add_hsts(response):
    response.headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response


def hash_password(password: str) -> str:
    """A salted scrypt hash (memory-hard) at the work factor PASSWORD_HASH_METHOD names: Werkzeug's own
    default ("scrypt", n=32768) unless configured. The tests configure a lower n: the same algorithm
    and code, 50 times less work for the thousands of accounts they make."""
    method = current_app.config.get("PASSWORD_HASH_METHOD", "scrypt") if has_app_context() else "scrypt"
    return generate_password_hash(password, method)
