"""API tokens: an agency head or administrator makes a token for the agency's own system (shown once),
lists the tokens of the organisations they manage, and revokes them."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from nq57.accounts.models import RoleGrant
from nq57.core.permissions import scope_q
from nq57.core.roles import Action, roles_allowing
from nq57.orgs.models import Organisation

from .. import actions
from ..models import ApiToken

MANAGING = (Action.APPROVE, Action.MANAGE_USERS)


def manageable_organisations(user):
    """Organisations the user may make tokens for: where a grant gives APPROVE or MANAGE_USERS (the
    superuser: the root). A grant reaches its subtree, but a token is made for the granted body itself."""
    if user.is_superuser:
        return Organisation.objects.filter(parent__isnull=True).order_by("path")
    roles = roles_allowing(Action.APPROVE) | roles_allowing(Action.MANAGE_USERS)
    ids = RoleGrant.objects.filter(user=user, role__in=roles, organisation__isnull=False).values("organisation_id")
    return Organisation.objects.filter(pk__in=ids).order_by("path")


def visible_tokens(user):
    """Tokens the user made, and those of every organisation in a subtree they manage."""
    condition = Q(user=user)
    for action in MANAGING:
        condition |= scope_q(user, action, "organisation__path")
    return ApiToken.objects.filter(condition).select_related("organisation", "user").order_by("-created_at")


class TokenForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name of the system"), max_length=200,
                           help_text=gettext_lazy("e.g. the province's statistics database"))
    organisation = forms.ModelChoiceField(label=gettext_lazy("Organisation"), queryset=Organisation.objects.none(),
                                          help_text=gettext_lazy("The token may send values for this organisation "
                                                                 "and the ones below it."))

    def __init__(self, *args, organisations, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = organisations
        if len(organisations) == 1:
            self.fields["organisation"].initial = organisations[0].pk


class TokenListView(LoginRequiredMixin, View):
    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.organisations = manageable_organisations(request.user)
            if not self.organisations.exists():
                raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def _render(self, request, form, raw=None, status=200):
        return render(request, "indicators/tokens.html", {
            "tokens": visible_tokens(request.user), "form": form, "raw_token": raw,
        }, status=status)

    def get(self, request):
        return self._render(request, TokenForm(organisations=self.organisations))

    def post(self, request):
        if request.POST.get("operation") == "revoke":
            return self._revoke(request)
        form = TokenForm(request.POST, organisations=self.organisations)
        if form.is_valid():
            try:
                _token, raw = actions.create_api_token(actor=request.user,
                                                       organisation=form.cleaned_data["organisation"],
                                                       name=form.cleaned_data["name"])
            except PermissionDenied:
                form.add_error(None, _("Your roles do not allow this here."))
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                # Rendered, not redirected: the raw token exists only in this response.
                response = self._render(request, TokenForm(organisations=self.organisations), raw=raw)
                response["Cache-Control"] = "no-store"
                return response
        return self._render(request, form, status=400)

    def _revoke(self, request):
        pk = request.POST.get("token", "")
        if not pk.isdecimal() or len(pk) > 10:
            return redirect("indicators:tokens")
        token = get_object_or_404(visible_tokens(request.user), pk=int(pk))
        actions.revoke_api_token(actor=request.user, token=token)
        messages.success(request, _("The token %(name)s is revoked.") % {"name": token.name})
        return redirect("indicators:tokens")
