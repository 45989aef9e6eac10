"""Writes to accounts and role grants: each one transaction, permission-checked, audited."""

import datetime

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from nq57.audit.models import AuditEvent
from nq57.audit.services import record, snapshot
from nq57.core.permissions import can, forget_grants
from nq57.core.roles import ADMIN_ROLES, Action

from .models import LoginFailure, RoleGrant, User

PROFILE_FIELDS = {"full_name", "email", "position", "phone", "language", "organisation"}


def _require(actor, action, obj):
    if actor is not None and not can(actor, action, obj):
        raise PermissionDenied


def _normalise_email(email):
    return (email or "").strip().lower()


@transaction.atomic
def create_user(*, actor, username, organisation, full_name="", email="", position="", phone="", password=None):
    """Create an account whose home is `organisation`; the actor must administer that subtree."""
    _require(actor, Action.MANAGE_USERS, organisation)
    username = (username or "").strip()
    email = _normalise_email(email)
    if not username:
        raise ValidationError({"username": _("Enter a user name.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This user name is taken.")})
    if email and User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("Another account uses this e-mail address.")})
    user = User(username=username, organisation=organisation, full_name=full_name, email=email,
                position=position, phone=phone)
    if password:
        validate_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()  # the person sets it through the password-reset e-mail
    user.save()
    record(actor=actor, obj=user, action=AuditEvent.Action.CREATE, after=snapshot(user), verb="user_created")
    return user


@transaction.atomic
def update_user(*, actor, user, **changes):
    """Edit profile fields; moving a user to another organisation needs rights on both."""
    _require(actor, Action.MANAGE_USERS, user)
    unknown = set(changes) - PROFILE_FIELDS
    if unknown:
        raise ValueError(f"Not editable here: {sorted(unknown)}")
    if "organisation" in changes:
        _require(actor, Action.MANAGE_USERS, changes["organisation"])
    if "email" in changes:
        changes["email"] = _normalise_email(changes["email"])
        if changes["email"] and User.objects.filter(email__iexact=changes["email"]).exclude(pk=user.pk).exists():
            raise ValidationError({"email": _("Another account uses this e-mail address.")})
    before = snapshot(user)
    for field, value in changes.items():
        setattr(user, field, value)
    user.save()
    record(actor=actor, obj=user, action=AuditEvent.Action.UPDATE, before=before, after=snapshot(user),
           verb="user_updated")
    return user


@transaction.atomic
def update_own_profile(*, actor, **changes):
    """A person edits their own name, phone and language."""
    allowed = {"full_name", "phone", "language", "position"}
    if set(changes) - allowed:
        raise ValueError("Not editable by the user")
    before = snapshot(actor)
    for field, value in changes.items():
        setattr(actor, field, value)
    actor.save()
    record(actor=actor, obj=actor, action=AuditEvent.Action.UPDATE, before=before, after=snapshot(actor),
           verb="profile_updated")
    return actor


@transaction.atomic
def set_user_active(*, actor, user, active):
    """Disable or re-enable an account (accounts are never deleted: the audit trail points at them)."""
    _require(actor, Action.MANAGE_USERS, user)
    if actor is not None and actor.pk == user.pk and not active:
        raise ValidationError(_("You cannot disable your own account."))
    before = snapshot(user)
    user.is_active = active
    user.save(update_fields=["is_active"])
    record(actor=actor, obj=user, action=AuditEvent.Action.UPDATE, before=before, after=snapshot(user),
           verb="user_enabled" if active else "user_disabled")
    return user


@transaction.atomic
def grant_role(*, actor, user, role, organisation):
    """Give `user` a role on `organisation` and its subtree; the actor must administer that subtree."""
    _require(actor, Action.MANAGE_USERS, organisation)
    if actor is not None and user.organisation_id is not None and not can(actor, Action.MANAGE_USERS, user):
        # A province administrator cannot hand roles to people of another province.
        raise PermissionDenied
    if RoleGrant.objects.filter(user=user, role=role, organisation=organisation).exists():
        raise ValidationError(_("This person already has this role here."))
    grant = RoleGrant.objects.create(user=user, role=role, organisation=organisation, granted_by=actor)
    record(actor=actor, obj=grant, action=AuditEvent.Action.CREATE, after=snapshot(grant), verb="role_granted")
    forget_grants(user)
    return grant


@transaction.atomic
def revoke_role(*, actor, grant):
    """Remove a role grant."""
    _require(actor, Action.MANAGE_USERS, grant.organisation)
    before = snapshot(grant)
    record(actor=actor, obj=grant, action=AuditEvent.Action.DELETE, before=before, verb="role_revoked")
    grant.delete()
    forget_grants(grant.user)


def holds_admin_role(user):
    return user.is_superuser or user.grants.filter(role__in=ADMIN_ROLES).exists()


# --- Login failures ------------------------------------------------------------------------


def _window_start():
    return timezone.now() - datetime.timedelta(minutes=settings.LOGIN_LOCKOUT_MINUTES)


def is_locked_out(username):
    """True when the name has failed LOGIN_FAILURE_LIMIT times within the lockout window."""
    key = (username or "").strip().lower()
    return LoginFailure.objects.filter(username=key, at__gte=_window_start()).count() >= settings.LOGIN_FAILURE_LIMIT


def note_login_failure(username, ip_address):
    LoginFailure.objects.create(username=(username or "").strip().lower()[:150], ip_address=ip_address)


def clear_login_failures(username):
    LoginFailure.objects.filter(username=(username or "").strip().lower()).delete()


@transaction.atomic
def unlock_user(*, actor, user):
    """Lift a lockout early."""
    _require(actor, Action.MANAGE_USERS, user)
    count, _deleted = LoginFailure.objects.filter(username=user.username.lower()).delete()
    record(actor=actor, obj=user, action=AuditEvent.Action.UPDATE, before={"login_failures": count},
           after={"login_failures": 0}, verb="user_unlocked")
