"""Kinds of expected product (law, decree, decision, scheme, platform…) and reading them from free text.

The list ships in `plans/data/product_types.json`; users extend it (new kinds, more keywords) in the
database, and `classify_product` reads the database, so their keywords count too.
"""

import json
import re
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from nq57.audit.models import AuditEvent
from nq57.audit.services import snapshot
from nq57.core import context as write_context
from nq57.core.text import search_key

from ..models import ProductType

PRODUCT_TYPES_FILE = Path(__file__).resolve().parent.parent / "data" / "product_types.json"


def product_type_specs():
    return json.loads(PRODUCT_TYPES_FILE.read_text(encoding="utf-8"))["product_types"]


@transaction.atomic
def ensure_product_types(*, actor=None):
    """Create the shipped product types that are missing (idempotent); edited ones are left alone."""
    existing = set(ProductType.objects.values_list("code", flat=True))
    created = [
        ProductType(code=spec["code"], name=spec["name"], name_en=spec.get("name_en", ""),
                    keywords=spec.get("keywords", []), sort_order=index * 10)
        for index, spec in enumerate(product_type_specs()) if spec["code"] not in existing
    ]
    if created:
        ProductType.objects.bulk_create(created)
        created = list(ProductType.objects.filter(code__in=[p.code for p in created]))
        ctx = write_context.current()
        content_type = ContentType.objects.get_for_model(ProductType)
        AuditEvent.objects.bulk_create([
            AuditEvent(actor=actor, actor_label=actor.get_username() if actor else (ctx.get("actor_label") or "system"),
                       source=ctx.get("source") or AuditEvent.Source.SYSTEM, action=AuditEvent.Action.CREATE,
                       verb="product_type_created", content_type=content_type, object_id=str(p.pk),
                       object_repr=str(p)[:300], after=snapshot(p))
            for p in created
        ])
    return len(created)


class ProductClassifier:
    """The product types and their keywords, loaded once; `classify(text)` picks the type a text names.

    The keyword found earliest in the text wins ("Nghị quyết của Quốc hội, Quyết định của Thủ tướng"
    is a resolution), the longer keyword on a tie ("Văn bản hướng dẫn" before "hướng dẫn")."""

    def __init__(self, types=None):
        self.types = list(types if types is not None else ProductType.objects.all())
        self.patterns = []
        for product_type in self.types:
            for word in {search_key(w) for w in product_type.keywords or []}:
                if word:
                    pattern = re.compile(rf"(?<![a-z0-9]){re.escape(word)}(?![a-z0-9])")
                    self.patterns.append((pattern, len(word), product_type))

    def classify(self, text):
        key = search_key(text)
        if not key:
            return None
        best = None
        for pattern, length, product_type in self.patterns:
            match = pattern.search(key)
            if match:
                rank = (match.start(), -length, product_type.sort_order)
                if best is None or rank < best[0]:
                    best = (rank, product_type)
        return best[1] if best else None


def classify_product(text):
    """The ProductType a free product text names ("Quyết định của Thủ tướng Chính phủ" → decision), or None."""
    return ProductClassifier().classify(text)


@transaction.atomic
def create_product_type(*, actor, name, name_en="", keywords=()):
    """Add a kind of expected product; the standing office (ASSIGN anywhere) extends the shared list."""
    from django.core.exceptions import PermissionDenied, ValidationError
    from django.utils.text import slugify
    from django.utils.translation import gettext as _

    from nq57.audit.services import record
    from nq57.core.permissions import can_anywhere
    from nq57.core.roles import Action

    if actor is not None and not can_anywhere(actor, Action.ASSIGN):
        raise PermissionDenied
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter a name.")})
    # Compared folded in Python: SQLite's case-insensitive match ignores Vietnamese letters.
    if search_key(name) in {search_key(existing) for existing in ProductType.objects.values_list("name", flat=True)}:
        raise ValidationError({"name": _("This product type already exists.")})
    base = slugify(search_key(name)) or "type"
    code, number = base[:45], 2
    while ProductType.objects.filter(code=code).exists():
        code, number = f"{base[:40]}-{number}", number + 1
    words = [w.strip() for w in keywords if w and w.strip()] or [name]
    last = ProductType.objects.order_by("-sort_order").values_list("sort_order", flat=True).first() or 0
    product_type = ProductType.objects.create(code=code, name=name, name_en=(name_en or "").strip(), keywords=words,
                                              sort_order=last + 10)
    record(actor=actor, obj=product_type, action=AuditEvent.Action.CREATE, after=snapshot(product_type),
           verb="product_type_created")
    return product_type
