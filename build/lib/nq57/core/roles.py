"""Roles from the brief and what each may do. Every role is granted on an organisation subtree."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    LEADER = "leader", _("Steering committee leader")
    STANDING_OFFICE = "standing_office", _("Standing office")
    FOCAL_OFFICER = "focal_officer", _("Agency focal officer")
    AGENCY_HEAD = "agency_head", _("Agency head")
    ADVISORY_MEMBER = "advisory_member", _("Advisory council member")
    INSPECTOR = "inspector", _("Inspector (read-only)")
    ORG_ADMIN = "org_admin", _("Administrator")


class Action:
    """What can be done on an object in scope. Later issues add their own actions here."""

    VIEW = "view"  # read non-public data of the organisation and below
    REPORT = "report"  # enter progress, values, draft answers
    APPROVE = "approve"  # approve what an agency submits
    ASSIGN = "assign"  # administer plans, assign tasks, triage feedback
    EVALUATE = "evaluate"  # advisory council evaluation
    CHANGE_ORG = "change_org"  # edit the organisation map
    MANAGE_USERS = "manage_users"  # accounts and role grants


ROLE_ACTIONS = {
    Role.LEADER: {Action.VIEW, Action.APPROVE},
    Role.STANDING_OFFICE: {Action.VIEW, Action.ASSIGN, Action.APPROVE, Action.CHANGE_ORG},
    Role.FOCAL_OFFICER: {Action.VIEW, Action.REPORT},
    Role.AGENCY_HEAD: {Action.VIEW, Action.REPORT, Action.APPROVE},
    Role.ADVISORY_MEMBER: {Action.EVALUATE},
    Role.INSPECTOR: {Action.VIEW},
    Role.ORG_ADMIN: {Action.VIEW, Action.MANAGE_USERS, Action.CHANGE_ORG},
}

# Roles whose holders must enrol a TOTP device outside demo mode.
ADMIN_ROLES = {Role.ORG_ADMIN}


def roles_allowing(action):
    return {role for role, actions in ROLE_ACTIONS.items() if action in actions}
