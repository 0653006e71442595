"""The Stripe webhook and payout-account setup (the public money pages are in market.spending)."""
from flask import Blueprint, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from market.core.errors import PermissionDenied
from market.core.forms import ConfirmForm
from market.extensions import csrf
from market.money import payments
from market.organizations import services as organizations

bp = Blueprint("money", __name__, url_prefix="/money")


# --- providers -------------------------------------------------------------------------------------

@bp.route("/webhooks/stripe", methods=["POST"])
@csrf.exempt  # Stripe signs its requests instead; the signature is checked below
def stripe_webhook():
    try:
        outcome = payments.handle_stripe_webhook(request.get_data(), request.headers.get("Stripe-Signature", ""))
    except payments.BadSignature:
        return {"error": "invalid signature"}, 400
    except payments.BadEvent as error:  # signed, but not an event Market can act on: not worth a retry
        return {"error": str(error)}, 400
    return {"received": True, "outcome": outcome}


@bp.route("/organizations/<int:organization_id>/payouts", methods=["GET", "POST"])
@login_required
def payouts(organization_id: int):
    org = organizations.get_organization(current_user, organization_id)
    if not organizations.is_insider(current_user, org):
        raise PermissionDenied(_("Only a member of this organization can do this."))
    provider = payments.provider()
    form = ConfirmForm()
    error = None
    if form.validate_on_submit():
        here = url_for("money.payouts", organization_id=org.id, _external=True)
        try:
            link = provider.onboarding_link(org.id, here, here)
        except payments.ProviderError as failure:
            error = str(failure)
        else:
            if link:
                return redirect(link)
    account = None
    if hasattr(provider, "refresh_account"):
        try:
            account = provider.refresh_account(org.id)
        except payments.ProviderError as failure:
            error = str(failure)
    return render_template("money/payouts.html", org=org, provider=provider.name, account=account, form=form,
                           error=error, stripe=current_app.config["PAYMENTS"] == "stripe")
