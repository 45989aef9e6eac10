"""The shared list of expected-product kinds, which the standing office extends."""

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from nq57.core.permissions import can_anywhere
from nq57.core.roles import Action

from ..importing.products import create_product_type
from ..models import ProductType


class ProductTypeForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    name_en = forms.CharField(label=gettext_lazy("English name"), max_length=200, required=False)
    keywords = forms.CharField(label=gettext_lazy("Keywords"), max_length=500, required=False,
                               help_text=gettext_lazy("Words in a product text that mean this type, separated by "
                                                      "commas"))


class ProductTypeListView(LoginRequiredMixin, View):
    def _render(self, request, form, status=200):
        return render(request, "plans/product_types.html", {
            "types": ProductType.objects.all(), "form": form,
            "may_add": can_anywhere(request.user, Action.ASSIGN),
        }, status=status)

    def get(self, request):
        return self._render(request, ProductTypeForm())

    def post(self, request):
        if not can_anywhere(request.user, Action.ASSIGN):
            raise PermissionDenied
        form = ProductTypeForm(request.POST)
        if form.is_valid():
            keywords = form.cleaned_data["keywords"].split(",")
            try:
                create_product_type(actor=request.user, name=form.cleaned_data["name"],
                                    name_en=form.cleaned_data["name_en"], keywords=keywords)
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
            else:
                messages.success(request, _("Saved."))
                return redirect("plans:product_types")
        return self._render(request, form, status=400)
