"""How a reader wants pages shown: standard, or large text with high contrast (长者模式), as Chinese
public-service sites offer. A preference of the device, kept in its own cookie for a year so that
it outlives the sign-in session (the session cookie is never made permanent for it)."""
from datetime import timedelta

from flask import current_app, request

COOKIE = "display"
LARGE = "large"
KEPT = timedelta(days=365)


def large_text() -> bool:
    return request.cookies.get(COOKIE) == LARGE


def remember(response, large: bool):
    """Set (or forget) the preference on `response`."""
    if large:
        response.set_cookie(COOKIE, LARGE, max_age=int(KEPT.total_seconds()), httponly=True, samesite="Lax",
                            secure=current_app.config["SESSION_COOKIE_SECURE"])
    else:
        response.delete_cookie(COOKIE, httponly=True, samesite="Lax",
                               secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response
