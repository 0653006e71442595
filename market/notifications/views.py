from flask import Blueprint, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.core.forms import ConfirmForm, run_action
from market.core.pagination import paginate
from market.notifications import services
from market.notifications.wording import describe

bp = Blueprint("notifications", __name__)


@bp.route("/notifications")
@login_required
def index():
    return render_template("notifications/index.html", page=paginate(services.notifications_select(current_user)),
                           describe=describe)


@bp.route("/notifications/read", methods=["POST"])
@login_required
def read_all():
    return run_action(ConfirmForm(), lambda: services.mark_all_read(current_user), _("All marked as read."),
                      url_for("notifications.index"))
