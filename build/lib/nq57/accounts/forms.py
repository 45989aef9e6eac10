from django import forms
from django.contrib.auth import authenticate
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from nq57.core.roles import Role

from . import actions
from .models import User


class LockoutAuthenticationForm(AuthenticationForm):
    """Password login that refuses a locked-out name and counts failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("The user name or password is not correct. Note that both fields are case-sensitive."),
        "locked_out": _("Too many failed attempts. This account is locked for %(minutes)s minutes; "
                        "try again later or reset your password."),
    }

    def clean(self):
        from django.conf import settings

        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username and actions.is_locked_out(username):
            raise forms.ValidationError(self.error_messages["locked_out"], code="locked_out",
                                        params={"minutes": settings.LOGIN_LOCKOUT_MINUTES})
        if username is not None and password:
            self.user_cache = authenticate(self.request, username=username, password=password)
            if self.user_cache is None:
                ip = self.request.META.get("REMOTE_ADDR") if self.request else None
                actions.note_login_failure(username, ip)
                raise self.get_invalid_login_error()
            self.confirm_login_allowed(self.user_cache)
            actions.clear_login_failures(username)
        return self.cleaned_data


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6-digit code from your authenticator app"), max_length=8, min_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}),
    )

    def clean_token(self):
        token = self.cleaned_data["token"].replace(" ", "")
        if not token.isdigit():
            raise forms.ValidationError(_("Enter the digits shown in your authenticator app."))
        return token


class NewUserForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150,
                               help_text=_("Letters, digits and @ . + - _ only."))
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), help_text=_("The person receives a link to set a password here."))
    position = forms.CharField(label=_("Position"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)

    def clean_username(self):
        value = self.cleaned_data["username"].strip()
        User.username_validator(value)
        return value


class ProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("E-mail"), required=False)
    position = forms.CharField(label=_("Position"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)


class OwnProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    position = forms.CharField(label=_("Position"), max_length=150, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    language = forms.ChoiceField(label=_("Language"), choices=[("vi", "Tiếng Việt"), ("en", "English")])


class GrantForm(forms.Form):
    username = forms.CharField(label=_("User name"), max_length=150)
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
