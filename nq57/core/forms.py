"""Form helpers shared by the apps' views."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _


def add_service_errors(form, exc, rename=None, refused_field=None):
    """Show a service function's refusal on the form: field errors next to their field, others on top.

    `rename` maps the service's field names to the form's where they differ ({"file": "evidence"});
    `refused_field` is where a PermissionDenied is shown (the scope the user chose), else on top.
    """
    rename = rename or {}
    if isinstance(exc, PermissionDenied):
        form.add_error(refused_field if refused_field in form.fields else None, _("Your roles do not allow this here."))
    elif hasattr(exc, "error_dict"):
        for field, messages in exc.message_dict.items():
            field = rename.get(field, field)
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        for message in exc.messages:
            form.add_error(None, message)
