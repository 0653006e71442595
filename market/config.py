"""Configuration read from the environment; every variable is documented in README.md."""
import os
from datetime import timedelta
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def from_environment(instance_path: str) -> dict:
    """Build the Flask config mapping. Defaults run on a fresh machine with nothing else."""
    instance = Path(instance_path)
    production = os.environ.get("MARKET_ENV", "development") == "production"
    secret = os.environ.get("SECRET_KEY")
    if not secret:
        if production:
            raise RuntimeError("SECRET_KEY must be set when MARKET_ENV=production")
        secret = _development_secret(instance)
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'market.db'}"
    return {
        "MARKET_ENV": "production" if production else "development",
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "SEARCH_BACKEND": os.environ.get("SEARCH_BACKEND", "whoosh"),  # whoosh | postgresql | none
        "SEARCH_SYNONYMS_FILE": os.environ.get("SEARCH_SYNONYMS_FILE") or None,  # else market/search/data/synonyms.txt
        "SEARCH_DIR": os.environ.get("SEARCH_DIR", str(instance / "search")),
        "UPLOAD_DIR": os.environ.get("UPLOAD_DIR", str(instance / "uploads")),
        "MAX_UPLOAD_BYTES": _int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024),
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_BYTES", 10 * 1024 * 1024) + 1024 * 1024,
        "PAYMENTS": os.environ.get("PAYMENTS", "ledger"),  # ledger (offline) | stripe
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY", ""),
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY", ""),
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET", ""),
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE", ""),  # empty: Stripe's own; tests point it at a stand-in
        "CURRENCY": os.environ.get("CURRENCY", "cny"),
        "BID_ENCRYPTION_KEY": os.environ.get("BID_ENCRYPTION_KEY", ""),
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "smtp" if os.environ.get("SMTP_HOST") else "outbox"),
        "MAIL_OUTBOX_DIR": os.environ.get("MAIL_OUTBOX_DIR", str(instance / "outbox")),
        "MAIL_SENDER": os.environ.get("MAIL_SENDER", "Market <noreply@market.localhost>"),
        "SMTP_HOST": os.environ.get("SMTP_HOST", ""),
        "SMTP_PORT": _int("SMTP_PORT", 587),
        "SMTP_USER": os.environ.get("SMTP_USER", ""),
        "SMTP_PASSWORD": os.environ.get("SMTP_PASSWORD", ""),
        "SMTP_STARTTLS": _flag("SMTP_STARTTLS", True),
        "BABEL_DEFAULT_LOCALE": os.environ.get("DEFAULT_LOCALE", "zh"),
        "BABEL_DEFAULT_TIMEZONE": os.environ.get("TIMEZONE", "Asia/Shanghai"),
        "BABEL_TRANSLATION_DIRECTORIES": str(PROJECT_ROOT / "market" / "translations"),
        "LANGUAGES": ("zh", "en"),
        "SESSION_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", production),
        "REMEMBER_COOKIE_SECURE": _flag("SESSION_COOKIE_SECURE", production),
        "SESSION_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        # "Keep me signed in" lasts this long after signing in (Flask-Login's default is a year); the
        # server holds a replayed cookie to it too (market/__init__.py, load_user).
        "REMEMBER_COOKIE_DURATION": timedelta(days=14),
        "WTF_CSRF_TIME_LIMIT": None,  # tokens live as long as the session
        "LOGIN_MAX_FAILURES": _int("LOGIN_MAX_FAILURES", 5),
        "LOGIN_WINDOW_MINUTES": _int("LOGIN_WINDOW_MINUTES", 15),
        "PASSWORD_RESET_HOURS": _int("PASSWORD_RESET_HOURS", 2),
        "PER_PAGE": _int("PER_PAGE", 20),
        "COUNT_LIMIT": _int("COUNT_LIMIT", 1000),  # pagers count this many rows at most
        # Public pages for anonymous readers, kept until the data changes or this many seconds pass
        # (0: off). market/core/page_cache.py
        "PAGE_CACHE_SECONDS": _int("PAGE_CACHE_SECONDS", 60),
        # need outcome figures (home page, /outcomes) are counted at most this often per place; 0: always
        "OUTCOME_FIGURES_SECONDS": _int("OUTCOME_FIGURES_SECONDS", 300),
        "PAGE_CACHE_ENTRIES": _int("PAGE_CACHE_ENTRIES", 2000),
        # Links in mail sent outside a web request (commands, background work) start with this.
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", f"http://127.0.0.1:{os.environ.get('PORT', '5000')}"),
        "SHOW_DEV_OUTBOX": not production,
        "API_RATE_ANONYMOUS": _int("API_RATE_ANONYMOUS", 60),  # API requests per minute without a token
        "API_RATE_TOKEN": _int("API_RATE_TOKEN", 600),  # and with one
        # OCDS: the prefix registered with the Open Contracting Partnership ("ocds-" and six characters).
        "OCDS_OCID_PREFIX": os.environ.get("OCDS_OCID_PREFIX", "ocds-mkt0sz"),
        "OCDS_PUBLISHER": os.environ.get("OCDS_PUBLISHER", "Market 社区公益服务市场"),
    }


def _development_secret(instance: Path) -> str:
    """A random key kept in instance/ so sessions survive restarts of the development server."""
    instance.mkdir(parents=True, exist_ok=True)
    key_file = instance / "secret_key"
    if not key_file.exists():
        key_file.write_text(os.urandom(32).hex())
        key_file.chmod(0o600)
    return key_file.read_text().strip()
