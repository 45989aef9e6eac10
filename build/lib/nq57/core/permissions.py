"""The one permission chokepoint: what may this user see or do, here?

Every role is granted on an organisation and reaches everything below it (a prefix
match on the materialised path). Views, the API, importers and templates all ask
through `can()` or `QuerySet.restrict()`; nothing filters by organisation ad hoc.
"""

from django.db import models
from django.db.models import Q

from .roles import Action, roles_allowing


def _grants(user):
    """(role, path) pairs of the user's grants, loaded once per user object."""
    if not getattr(user, "is_authenticated", False):
        return ()
    cached = getattr(user, "_nq57_grants", None)
    if cached is None:
        from nq57.accounts.models import RoleGrant

        cached = tuple(
            RoleGrant.objects.filter(user=user, organisation__isnull=False).values_list("role", "organisation__path")
        )
        user._nq57_grants = cached
    return cached


def forget_grants(user):
    if hasattr(user, "_nq57_grants"):
        del user._nq57_grants


def scope_paths(user, action):
    """Path prefixes where `user` may do `action`; None means everywhere (superuser)."""
    if getattr(user, "is_superuser", False) and user.is_active:
        return None
    if not getattr(user, "is_active", False):
        return []
    allowed = roles_allowing(action)
    paths = sorted({path for role, path in _grants(user) if role in allowed})
    # Drop paths already covered by a shorter prefix: fewer OR terms in queries.
    kept = []
    for path in paths:
        if not any(path.startswith(prefix) for prefix in kept):
            kept.append(path)
    return kept


def scope_q(user, action, path_field):
    paths = scope_paths(user, action)
    if paths is None:
        return Q()
    if not paths:
        return Q(pk__in=[])
    condition = Q()
    for path in paths:
        condition |= Q(**{f"{path_field}__startswith": path})
    return condition


def org_of(obj):
    """The organisation whose subtree decides access to obj."""
    from nq57.orgs.models import Organisation

    if isinstance(obj, Organisation):
        return obj
    return getattr(obj, "scope_organisation", None)


def can(user, action, obj):
    """May `user` do `action` on `obj` (an organisation or anything with scope_organisation)?"""
    org = org_of(obj)
    if org is None:
        return False
    paths = scope_paths(user, action)
    if paths is None:
        return True
    return any(org.path.startswith(prefix) for prefix in paths)


def can_anywhere(user, action):
    """Does `user` hold `action` on at least one organisation (for menus)?"""
    paths = scope_paths(user, action)
    return paths is None or bool(paths)


class RestrictedQuerySet(models.QuerySet):
    """QuerySet with `restrict(user, action)`; subclasses name the path field to filter on."""

    scope_path_field = "organisation__path"

    def restrict(self, user, action=Action.VIEW):
        return self.filter(scope_q(user, action, self.scope_path_field))
