"""Grade badges: a page marks where an organization's grade goes (`grade_badge`, a template global),
and one after-request hook (`fill_grade_badges`, listed in market/hooks.py) fills every mark of the
page from one query for the organizations it shows: reading every grade of the city for each page
would grow with the city."""
import re

from flask import g
from flask_babel import gettext as _
from markupsafe import Markup, escape

from market.procurement.undertakers import current_grades

GRADE_MARK = "<!--grade-badge:{}-->"
GRADE_MARK_PATTERN = re.compile(r"<!--grade-badge:(\d+)-->")


def grade_badge(organization_id: int | None):
    """A mark that `fill_grade_badges` replaces with the organization's grade in force."""
    if not organization_id:
        return ""
    g.setdefault("grade_badges", set()).add(int(organization_id))
    return Markup(GRADE_MARK.format(int(organization_id)))


def fill_grade_badges(response):
    """Replace the marks `grade_badge` left with each organization's grade in force (after-request)."""
    wanted = g.pop("grade_badges", None)
    if not wanted or response.direct_passthrough or response.mimetype != "text/html":
        return response
    grades = current_grades(wanted)

    def badge(match):  # user text is escaped, so only our own marks can match
        grade = grades.get(int(match.group(1)))
        if not grade:
            return ""
        title = escape(_("Grade %(grade)sA in force (等级评估)", grade=grade))
        return f'<span class="badge grade" title="{title}" data-test="grade-badge">{grade}A</span>'

    response.set_data(GRADE_MARK_PATTERN.sub(badge, response.get_data(as_text=True)))
    return response
