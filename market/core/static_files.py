"""Static files that browsers keep: every `url_for('static', …)` carries a version of the file's
content (`?v=…`), and a request for that version is answered with a year's `Cache-Control`, so a
phone loads the stylesheet and scripts once rather than asking again on every page, and a changed
file gets a new address at once."""
import hashlib
import os
from functools import lru_cache

from flask import current_app, request

A_YEAR = 365 * 24 * 3600


@lru_cache(maxsize=256)
def _version(path: str, changed: float) -> str:
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]


def version_of(static_folder: str, filename: str) -> str | None:
    path = os.path.join(static_folder, filename)
    try:
        return _version(path, os.path.getmtime(path))
    except OSError:  # no such file: the address stays as it was, and the request answers 404
        return None


def install(app) -> None:
    @app.url_defaults
    def add_version(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            found = version_of(app.static_folder, values["filename"])
            if found:
                values["v"] = found


def keep_versioned(response):
    """An after-request hook (market/hooks.py): a static file asked for by its current version is
    kept a year."""
    if request.endpoint == "static" and response.status_code == 200 and request.args.get("v") and \
            request.args["v"] == version_of(current_app.static_folder, (request.view_args or {}).get("filename", "")):
        response.cache_control.public = True
        response.cache_control.max_age = A_YEAR
        response.cache_control.immutable = True
        response.cache_control.no_cache = None
    return response
