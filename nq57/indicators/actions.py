"""Writes to the KPI index: indicators, targets and baselines (versioned), the reporting calendar, values
and their approval, API tokens. CONTRACT STUB — the bodies are being written; signatures are fixed.

Every function takes a keyword-only `actor` (None for the system, imports and the demo loader), runs in
one transaction, checks permission through `can()` first, validates with translatable messages, writes
an audit row, and defers side effects (notifications, e-mail) with `transaction.on_commit`.
"""


def create_indicator(*, actor, owner, code, name, source_plan=None, **fields):
    """A new indicator; `fields` are Indicator model fields. Needs ASSIGN on `owner` (or actor None)."""
    raise NotImplementedError


def update_indicator(*, actor, indicator, **fields):
    raise NotImplementedError


def set_target(*, actor, indicator, year, comparator, value=None, value_high=None, series="", organisation=None,
               text="", milestones=(), reason=""):
    """Set the current target for (indicator, organisation, series, year). Replacing an existing one needs a
    `reason`: the old row is kept (is_current=False, superseded_at) and audited. milestones: [(date, value)]."""
    raise NotImplementedError


def set_baseline(*, actor, indicator, value, as_of, series="", organisation=None, source="", reason=""):
    """Set the current baseline; re-baselining needs a `reason` and keeps the old version."""
    raise NotImplementedError


def add_obligations(*, actor, indicator, organisations, starts_on, series="", ends_on=None):
    """Put organisations on the reporting calendar of `indicator`; returns how many were added (idempotent)."""
    raise NotImplementedError


def save_value(*, actor, indicator, organisation, period, series="", value=None, numerator=None, denominator=None,
               weight=None, progress="", not_available=False, not_available_reason="", self_rating="", note="",
               flag_note="", source="web", submit=False, confirm_flags=False, correction_reason="", today=None):
    """Create or update the value of `organisation` for `period` (a periods.Period); submit it when `submit`.

    Hard errors raise ValidationError (field-keyed): wrong type, out of range, period not ended, no
    obligation, not-available without a reason, an approved value changed without `correction_reason`.
    Warnings (outliers against own history or peers, jumps) are stored in `flags`; submitting a flagged
    value needs `confirm_flags=True` and a `flag_note`, else ValidationError with code "unconfirmed_flags".
    Correcting an approved value creates a new version (is_current stays on the approved one until the
    new version is approved). Returns the IndicatorValue written.
    """
    raise NotImplementedError


def submit_value(*, actor, value, confirm_flags=False, flag_note="", today=None):
    raise NotImplementedError


def approve_value(*, actor, value):
    """The agency head (APPROVE on the value's organisation) approves; roll-ups are refreshed."""
    raise NotImplementedError


def return_value(*, actor, value, comment):
    """Send a submitted value back with a comment (required)."""
    raise NotImplementedError


def create_api_token(*, actor, organisation, name):
    """Returns (ApiToken, raw token shown once)."""
    raise NotImplementedError


def revoke_api_token(*, actor, token):
    raise NotImplementedError
