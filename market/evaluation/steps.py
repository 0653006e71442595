"""How evaluation steps read on a community request's timeline."""
from flask_babel import gettext as _

from market.evaluation.models import BANDS, EVALUATION_KINDS
from market.notifications.wording import describes, due_words


@describes("evaluation_published")
def _published(d):
    return _("%(kind)s of contract %(number)s published: %(total)s points (%(band)s)",
             kind=EVALUATION_KINDS.get(d.get("evaluation_kind"), ""), number=d.get("number", ""),
             total=d.get("total", ""), band=BANDS.get(d.get("band"), d.get("band", "")))


@describes("evaluation_reminder")
def _evaluation_reminder(d):
    return _("%(kind)s (%(rubric)s) is to be submitted, %(when)s", kind=EVALUATION_KINDS.get(d.get("kind"), ""),
             rubric=d.get("rubric", ""), when=due_words(d))


@describes("evaluation_commissioned")
def _commissioned(d):
    return _("%(kind)s commissioned from your organization: declare conflicts, then score by %(due)s",
             kind=EVALUATION_KINDS.get(d.get("kind"), ""), due=d.get("due", ""))


@describes("evaluation_submitted")
def _submitted(d):
    return _("%(kind)s submitted by the evaluator: publish it or send it back",
             kind=EVALUATION_KINDS.get(d.get("kind"), ""))
