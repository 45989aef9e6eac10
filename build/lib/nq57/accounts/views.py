"""Login (with lockout and TOTP), own profile, and administration of users and roles in scope."""

import base64

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import PasswordResetForm
from django.contrib.auth.mixins import LoginRequiredMixin
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View
from django_otp import login as otp_login
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice

from nq57.audit.models import AuditEvent
from nq57.audit.services import history_for, record
from nq57.core.permissions import can, can_anywhere
from nq57.core.roles import Action, Role
from nq57.core.text import fold
from nq57.orgs.models import Organisation

from . import actions
from .forms import GrantForm, LockoutAuthenticationForm, NewUserForm, OwnProfileForm, ProfileForm, TokenForm
from .models import RoleGrant, User


class LoginView(auth_views.LoginView):
    form_class = LockoutAuthenticationForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


def _audit_password_set(user, verb):
    with transaction.atomic():
        record(actor=user, obj=user, action=AuditEvent.Action.UPDATE, verb=verb,
               before={"password": "••••"}, after={"password": "•••• (new)"})


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"
    success_url = reverse_lazy("accounts:password_change_done")

    def form_valid(self, form):
        response = super().form_valid(form)
        _audit_password_set(form.user, "password_changed")
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        _audit_password_set(form.user, "password_reset")
        actions.clear_login_failures(form.user.username)  # a reset also lifts a lockout
        return response


class _PasswordLinkForm(PasswordResetForm):
    """The reset e-mail for one known account. Django's form skips accounts without a usable
    password, which is exactly what a newly created account is."""

    def __init__(self, user):
        super().__init__({"email": user.email})
        self.user = user

    def get_users(self, email):
        return [self.user] if self.user.is_active else []


def _send_password_link(request, user):
    """Send the standard password-reset e-mail after the surrounding transaction commits."""
    if not user.email:
        return
    form = _PasswordLinkForm(user)
    if form.is_valid():
        transaction.on_commit(lambda: form.save(
            request=request, use_https=request.is_secure(),
            subject_template_name="registration/password_reset_subject.txt",
            email_template_name="registration/password_reset_email.txt",
        ))


# --- Two-factor ------------------------------------------------------------------------------


def _safe_next(request, default="core:home"):
    target = request.POST.get("next") or request.GET.get("next")
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return reverse(default)


class TwoFactorVerifyView(LoginRequiredMixin, View):
    """Second step of login for people who have enrolled an authenticator."""

    def get(self, request):
        return render(request, "accounts/2fa_verify.html", {"form": TokenForm(), "next": request.GET.get("next", "")})

    def post(self, request):
        form = TokenForm(request.POST)
        if actions.is_locked_out(request.user.username):
            form.add_error(None, _("Too many failed attempts. Try again later."))
        elif form.is_valid():
            device = match_token(request.user, form.cleaned_data["token"])
            if device is not None:
                otp_login(request, device)
                actions.clear_login_failures(request.user.username)
                return redirect(_safe_next(request))
            actions.note_login_failure(request.user.username, request.META.get("REMOTE_ADDR"))
            form.add_error("token", _("This code is not valid. Check the time on your phone and try again."))
        return render(request, "accounts/2fa_verify.html", {"form": form, "next": request.POST.get("next", "")},
                      status=400)


class TwoFactorSetupView(LoginRequiredMixin, View):
    """Enrol an authenticator app: scan the QR code, confirm with one code."""

    def _device(self, request):
        device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
        if device is None:
            device = TOTPDevice.objects.create(user=request.user, name="authenticator", confirmed=False)
        return device

    def _render(self, request, form, status=200):
        device = self._device(request)
        qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#111", light="#fff")
        secret = base64.b32encode(device.bin_key).decode()
        return render(request, "accounts/2fa_setup.html", {
            "form": form, "qr_svg": qr_svg, "secret": " ".join(secret[i:i + 4] for i in range(0, len(secret), 4)),
            "has_confirmed": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
        }, status=status)

    def get(self, request):
        return self._render(request, TokenForm())

    def post(self, request):
        form = TokenForm(request.POST)
        if form.is_valid():
            device = self._device(request)
            if device.verify_token(form.cleaned_data["token"]):
                with transaction.atomic():
                    TOTPDevice.objects.filter(user=request.user, confirmed=True).delete()
                    device.confirmed = True
                    device.save()
                    record(actor=request.user, obj=request.user, action=AuditEvent.Action.UPDATE,
                           before={"two_factor": False}, after={"two_factor": True}, verb="two_factor_enabled")
                otp_login(request, device)
                messages.success(request, _("Two-step verification is on."))
                return redirect("accounts:profile")
            form.add_error("token", _("This code is not valid. Check the time on your phone and try again."))
        return self._render(request, form, status=400)


class TwoFactorDisableView(LoginRequiredMixin, View):
    def post(self, request):
        if settings.REQUIRE_ADMIN_2FA and actions.holds_admin_role(request.user):
            messages.error(request, _("Administrators must keep two-step verification on."))
            return redirect("accounts:profile")
        with transaction.atomic():
            TOTPDevice.objects.filter(user=request.user).delete()
            record(actor=request.user, obj=request.user, action=AuditEvent.Action.UPDATE,
                   before={"two_factor": True}, after={"two_factor": False}, verb="two_factor_disabled")
        messages.success(request, _("Two-step verification is off."))
        return redirect("accounts:profile")


# --- Own profile -------------------------------------------------------------------------------


class ProfileView(LoginRequiredMixin, View):
    def _render(self, request, form, status=200):
        return render(request, "accounts/profile.html", {
            "form": form,
            "grants": request.user.grants.select_related("organisation"),
            "has_2fa": TOTPDevice.objects.filter(user=request.user, confirmed=True).exists(),
        }, status=status)

    def get(self, request):
        user = request.user
        return self._render(request, OwnProfileForm(initial={
            "full_name": user.full_name, "position": user.position, "phone": user.phone, "language": user.language,
        }))

    def post(self, request):
        form = OwnProfileForm(request.POST)
        if not form.is_valid():
            return self._render(request, form, status=400)
        actions.update_own_profile(actor=request.user, **form.cleaned_data)
        messages.success(request, _("Your profile was saved."))
        response = redirect("accounts:profile")
        response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"], samesite="Lax")
        return response


# --- Administration in scope ----------------------------------------------------------------


class UserListView(LoginRequiredMixin, View):
    """People whose home organisation is within the administrator's scope."""

    def get(self, request):
        if not can_anywhere(request.user, Action.MANAGE_USERS):
            raise PermissionDenied
        users = User.objects.restrict(request.user, Action.MANAGE_USERS).select_related("organisation")
        query = (request.GET.get("q") or "").replace("\x00", "").strip()[:100]  # PostgreSQL refuses NUL
        if query:
            key = fold(query)
            users = users.filter(Q(username__icontains=query) | Q(email__icontains=query)
                                 | Q(full_name__icontains=query) | Q(organisation__search_name__contains=key))
        page = Paginator(users.order_by("organisation__path", "username"), 50).get_page(request.GET.get("page"))
        return render(request, "accounts/user_list.html", {"page": page, "query": query})


class OrganisationAdminView(LoginRequiredMixin, View):
    """Manage the people and role grants of one organisation."""

    def _org(self, request, pk):
        org = get_object_or_404(Organisation, pk=pk)
        if not can(request.user, Action.MANAGE_USERS, org):
            raise PermissionDenied
        return org

    def _render(self, request, org, user_form=None, grant_form=None, status=200):
        return render(request, "accounts/org_admin.html", {
            "org": org,
            "people": org.people.order_by("full_name", "username"),
            "grants": org.grants.select_related("user").order_by("role", "user__username"),
            "user_form": user_form or NewUserForm(),
            "grant_form": grant_form or GrantForm(),
        }, status=status)

    def get(self, request, pk):
        return self._render(request, self._org(request, pk))

    def post(self, request, pk):
        org = self._org(request, pk)
        if request.POST.get("form") == "grant":
            form = GrantForm(request.POST)
            if form.is_valid():
                user = User.objects.filter(username__iexact=form.cleaned_data["username"].strip()).first()
                if user is None or not can(request.user, Action.MANAGE_USERS, user):
                    form.add_error("username", _("No account with this user name in your scope."))
                else:
                    try:
                        actions.grant_role(actor=request.user, user=user, role=form.cleaned_data["role"],
                                           organisation=org)
                    except ValidationError as exc:
                        form.add_error(None, exc)
                    else:
                        messages.success(request, _("Role granted."))
                        return redirect("accounts:org_admin", pk=org.pk)
            return self._render(request, org, grant_form=form, status=400)
        form = NewUserForm(request.POST)
        if form.is_valid():
            try:
                with transaction.atomic():
                    user = actions.create_user(actor=request.user, organisation=org, **form.cleaned_data)
                    _send_password_link(request, user)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Account created; an e-mail to set the password was sent."))
                return redirect("accounts:user_detail", pk=user.pk)
        return self._render(request, org, user_form=form, status=400)


class UserDetailView(LoginRequiredMixin, View):
    """One account: profile, roles, status, for an administrator of its organisation."""

    def _user(self, request, pk):
        user = get_object_or_404(User.objects.select_related("organisation"), pk=pk)
        if not can(request.user, Action.MANAGE_USERS, user):
            raise PermissionDenied
        return user

    def _render(self, request, user, form=None, status=200):
        grants = list(user.grants.select_related("organisation"))
        for grant in grants:
            grant.may_revoke = can(request.user, Action.MANAGE_USERS, grant.organisation)
        return render(request, "accounts/user_detail.html", {
            "person": user,
            "grants": grants,
            "form": form or ProfileForm(initial={
                "full_name": user.full_name, "email": user.email, "position": user.position, "phone": user.phone,
            }),
            "locked": actions.is_locked_out(user.username),
            "has_2fa": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "roles": Role.choices,
        }, status=status)

    def get(self, request, pk):
        return self._render(request, self._user(request, pk))

    def post(self, request, pk):
        user = self._user(request, pk)
        operation = request.POST.get("operation", "profile")
        if operation == "profile":
            form = ProfileForm(request.POST)
            if not form.is_valid():
                return self._render(request, user, form, status=400)
            try:
                actions.update_user(actor=request.user, user=user, **form.cleaned_data)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
                return self._render(request, user, form, status=400)
            messages.success(request, _("Saved."))
        elif operation in {"disable", "enable"}:
            try:
                actions.set_user_active(actor=request.user, user=user, active=operation == "enable")
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
                return self._render(request, user, status=400)
            messages.success(request, _("Account enabled.") if operation == "enable" else _("Account disabled."))
        elif operation == "unlock":
            actions.unlock_user(actor=request.user, user=user)
            messages.success(request, _("Account unlocked."))
        elif operation == "reset":
            if not user.email:
                messages.error(request, _("This account has no e-mail address."))
                return self._render(request, user, status=400)
            _send_password_link(request, user)
            messages.success(request, _("An e-mail to set a new password was sent."))
        elif operation == "revoke":
            grant_id = request.POST.get("grant", "")
            grant = RoleGrant.objects.filter(pk=int(grant_id) if grant_id.isdecimal() else 0, user=user).first()
            if grant is None:
                messages.error(request, _("That role grant no longer exists."))
                return self._render(request, user, status=400)
            actions.revoke_role(actor=request.user, grant=grant)
            messages.success(request, _("Role removed."))
        else:
            messages.error(request, _("Unknown operation."))
            return self._render(request, user, status=400)
        return redirect("accounts:user_detail", pk=user.pk)


class UserHistoryView(LoginRequiredMixin, View):
    def get(self, request, pk):
        user = get_object_or_404(User, pk=pk)
        if not can(request.user, Action.MANAGE_USERS, user):
            raise PermissionDenied
        # The account's own rows plus the grants given to or taken from it.
        grant_type = ContentType.objects.get_for_model(RoleGrant)
        events = AuditEvent.objects.filter(
            Q(pk__in=history_for(user).values("pk"))
            | Q(content_type=grant_type, after__user=user.pk)
            | Q(content_type=grant_type, before__user=user.pk)
        ).select_related("actor")
        page = Paginator(events, 50).get_page(request.GET.get("page"))
        return render(request, "audit/history.html", {"object": user, "page": page, "back_url": user.get_absolute_url()})
