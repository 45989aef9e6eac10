"""Second factor: people with an authenticator must enter a code before anything else;
administrators must enrol one when REQUIRE_ADMIN_2FA is on (production mode)."""

from urllib.parse import urlencode

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse

EXEMPT_PREFIXES = ("/static/", "/accounts/logout/", "/accounts/2fa/", "/i18n/", "/accounts/password-reset/",
                   "/accounts/reset/", "/healthz")


class TwoFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and not request.path.startswith(EXEMPT_PREFIXES):
            target = self._required_step(request, user)
            if target:
                return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    def _required_step(self, request, user):
        from django_otp import user_has_device

        if user_has_device(user, confirmed=True):
            return None if user.is_verified() else "accounts:2fa_verify"
        if settings.REQUIRE_ADMIN_2FA:
            from .actions import holds_admin_role

            if holds_admin_role(user):
                return "accounts:2fa_setup"
        return None
