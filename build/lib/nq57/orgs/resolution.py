"""One name-resolution service for every importer.

`Resolver.resolve(text)` turns one agency name into an organisation, a named group, or a
clear "not found" / "ambiguous" with candidates. `Resolver.resolve_cell(text)` reads a
whole table cell as published ("Bộ Công an, Bộ Thông tin và Truyền thông, các bộ, ngành,
địa phương") and returns one result per mention, never dropping a fragment silently.

Matching, in order: exact name; alias (former names, abbreviations such as "Bộ KH&CN",
English names); the same with "và" dropped (published text sometimes writes "Bộ Khoa học,
Công nghệ"); province prefixes ("UBND tỉnh …", "TP …"); a truncated fragment that is the
unique end of a known name. All comparisons are accent-insensitive. A name of a body that
no longer exists resolves to its current successor and says so.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils import timezone

from nq57.core.text import search_key

from .models import COMMUNE_KINDS, PROVINCE_KINDS, Organisation, OrganisationAlias, OrganisationGroup

RESOLVED, GROUP, AMBIGUOUS, NOT_FOUND = "resolved", "group", "ambiguous", "not_found"
PROVINCE_PREFIXES = ("", "tinh ", "thanh pho ", "tp ", "ubnd ", "ubnd tinh ", "ubnd thanh pho ", "ubnd tp ",
                     "uy ban nhan dan ", "uy ban nhan dan tinh ", "uy ban nhan dan thanh pho ")
COMMUNE_PREFIXES = ("", "ubnd ", "uy ban nhan dan ")
CONNECTORS = {"va", "cung", "voi"}
MAX_SPAN = 16
VIA_RANK = {"exact": 0, "abbreviation": 1, "alias": 2, "prefix": 3, "folded": 4}


@dataclass
class Resolution:
    """The outcome for one mention: an organisation, a group, or why not."""

    text: str
    status: str
    organisation: Organisation | None = None
    group: OrganisationGroup | None = None
    candidates: list = field(default_factory=list)
    via: str = ""
    named: Organisation | None = None  # the (possibly former) body the text names, when it differs

    @property
    def ok(self):
        return self.status in {RESOLVED, GROUP}

    @property
    def via_history(self):
        return self.named is not None and self.organisation is not None and self.named.pk != self.organisation.pk

    def describe(self):
        if self.status == RESOLVED and self.via_history:
            return f"{self.text} → {self.organisation} (kế thừa {self.named})"
        if self.status == RESOLVED:
            return f"{self.text} → {self.organisation}"
        if self.status == GROUP:
            return f"{self.text} → nhóm «{self.group}»"
        if self.status == AMBIGUOUS:
            return f"{self.text}: nhiều khả năng ({', '.join(str(c) for c in self.candidates[:5])})"
        return f"{self.text}: không tìm thấy"


def _without_connectors(key):
    return " ".join(t for t in key.split() if t not in CONNECTORS)


class Resolver:
    """An in-memory index of every name, alias and group phrase; build one per import."""

    def __init__(self, on=None, within=None):
        self.on = on or timezone.localdate()
        self.within = within
        self.orgs = {}
        self.keys = defaultdict(set)  # key -> {("org", id, via) | ("group", id, via)}
        self.groups = {}
        self._build()

    def _add(self, key, target):
        if key:
            self.keys[key].add(target)
            loose = _without_connectors(key)
            if loose != key:
                self.keys[loose].add((target[0], target[1], "folded"))

    def _build(self):
        qs = Organisation.objects.exclude(kind="category")
        if self.within is not None:
            qs = qs.filter(path__startswith=self.within.path)
        fields = ("id", "code", "name", "short_name", "name_en", "kind", "valid_until", "successor_id", "path")
        for org in qs.only(*fields):
            self.orgs[org.pk] = org
            name_key = search_key(org.name)
            if org.kind in PROVINCE_KINDS:
                bare = search_key(org.name.split(" ", 2)[-1] if org.name.lower().startswith("thành phố") else
                                  org.name.split(" ", 1)[-1])
                for prefix in PROVINCE_PREFIXES:
                    self._add(prefix + bare, ("org", org.pk, "exact" if not prefix else "prefix"))
            elif org.kind in COMMUNE_KINDS:
                for prefix in COMMUNE_PREFIXES:
                    self._add(prefix + name_key, ("org", org.pk, "exact" if not prefix else "prefix"))
            self._add(name_key, ("org", org.pk, "exact"))
            # Short names shown across the site ("Sở KH&CN Lạng Sơn") must resolve too, not only aliases.
            self._add(search_key(org.short_name), ("org", org.pk, "abbreviation"))
        aliases = OrganisationAlias.objects.filter(organisation_id__in=self.orgs.keys()) if self.within else \
            OrganisationAlias.objects.all()
        for alias_org, key, kind in aliases.values_list("organisation_id", "key", "kind"):
            via = "abbreviation" if kind == OrganisationAlias.AliasKind.ABBREVIATION else "alias"
            self._add(key, ("org", alias_org, via))
        for group in OrganisationGroup.objects.all():
            self.groups[group.pk] = group
            self._add(search_key(group.name), ("group", group.pk, "group"))
            for phrase in group.phrases:
                self._add(search_key(phrase), ("group", group.pk, "group"))

    # --- one name -------------------------------------------------------------------------

    def resolve(self, text):
        """Resolve one name (not a list)."""
        text = (text or "").strip()
        key = search_key(text)
        if not key:
            return Resolution(text, NOT_FOUND)
        targets = self.keys.get(key) or self.keys.get(_without_connectors(key))
        if targets:
            return self._decide(text, targets)
        return self._fragment(text, key)

    def _current(self, org):
        """Follow successors to the body that exists on self.on."""
        seen = set()
        while org.valid_until is not None and org.valid_until < self.on and org.successor_id and org.pk not in seen:
            seen.add(org.pk)
            org = self.orgs.get(org.successor_id) or Organisation.objects.get(pk=org.successor_id)
        return org

    def _decide(self, text, targets):
        groups = {t[1] for t in targets if t[0] == "group"}
        org_targets = [t for t in targets if t[0] == "org"]
        if groups and not org_targets and len(groups) == 1:
            return Resolution(text, GROUP, group=self.groups[groups.pop()], via="group")
        # One body can sit under a key twice ("Tỉnh X" is its name and a prefixed form): report the
        # most direct way, not whichever the set yields first (set order changes between runs).
        named = {}
        for _kind, org_id, via in sorted(org_targets, key=lambda t: (VIA_RANK.get(t[2], len(VIA_RANK)), t[1])):
            named.setdefault(org_id, via)
        # Several names can lead to one body today (a former name and the successor): that is not ambiguity.
        current = {}
        for org_id, via in named.items():
            org = self.orgs[org_id]
            now = self._current(org)
            current.setdefault(now.pk, (now, org, via))
        if len(current) == 1:
            now, org, via = next(iter(current.values()))
            # Prefer reporting the active body itself when the text names it directly.
            direct = [self.orgs[i] for i in named if i == now.pk]
            named_org = direct[0] if direct else org
            return Resolution(text, RESOLVED, organisation=now, named=named_org,
                              via="history" if named_org.pk != now.pk else via)
        active = [v for v in current.values() if v[1].pk == v[0].pk]
        if len(active) == 1 and len(current) > 1:
            # An active body and an unrelated former one share a name: today's body wins.
            now, org, via = active[0]
            return Resolution(text, RESOLVED, organisation=now, named=org, via=via)
        candidates = sorted((v[0] for v in current.values()), key=lambda o: o.path)
        return Resolution(text, AMBIGUOUS, candidates=candidates)

    def _fragment(self, text, key):
        """A truncated mention ("nghiệp và phát triển nông thôn") that ends exactly one known name."""
        tokens = key.split()
        if len(tokens) < 3:
            return Resolution(text, NOT_FOUND)
        hits = {}
        for candidate, targets in self.keys.items():
            if candidate.endswith(" " + key):
                for t in targets:
                    if t[0] == "org":
                        now = self._current(self.orgs[t[1]])
                        hits[now.pk] = (now, self.orgs[t[1]])
        if len(hits) == 1:
            now, named = next(iter(hits.values()))
            return Resolution(text, RESOLVED, organisation=now, named=named, via="fragment")
        if hits:
            return Resolution(text, AMBIGUOUS, candidates=[h[0] for h in hits.values()])
        return Resolution(text, NOT_FOUND)

    # --- a whole cell ----------------------------------------------------------------------

    def resolve_cell(self, text):
        """Every mention in a table cell, in order; unknown fragments come back as NOT_FOUND."""
        tokens = self._tokenise(text)
        results, i, pending = [], 0, []

        def flush_pending():
            words = [w for w in pending if w not in CONNECTORS]
            if words:
                results.append(self.resolve(" ".join(words)) if len(words) > 0 else None)
            pending.clear()

        while i < len(tokens):
            if tokens[i] == ",":
                flush_pending()
                i += 1
                continue
            match = self._longest_match(tokens, i)
            if match is None:
                pending.append(tokens[i])
                i += 1
                continue
            end, resolution = match
            flush_pending()
            results.append(resolution)
            i = end
        flush_pending()
        return self._drop_introducers([r for r in results if r is not None])

    @staticmethod
    def _tokenise(text):
        # Commas and semicolons separate mentions; keep them as tokens, the rest folded.
        raw = (text or "").replace(";", " , ").replace(",", " , ")
        tokens = []
        for piece in raw.split():
            if piece == ",":
                tokens.append(",")
            else:
                tokens.extend(search_key(piece).split())
        return tokens

    def _longest_match(self, tokens, start):
        if tokens[start] in CONNECTORS:
            return None
        best = None
        words = []
        for end in range(start, min(len(tokens), start + MAX_SPAN)):
            if tokens[end] != ",":
                words.append(tokens[end])
            elif end == start:
                return None
            key = " ".join(words)
            if tokens[end] != "," and key in self.keys:
                best = (end + 1, key)
        if best is None:
            return None
        end, key = best
        original = " ".join(t for t in tokens[start:end] if t != ",")
        return end, self._decide(original, self.keys[key])

    @staticmethod
    def _drop_introducers(results):
        """"các địa phương Bắc Ninh, Bình Dương" names provinces; the group only introduces them."""
        kept = []
        for index, result in enumerate(results):
            nxt = results[index + 1] if index + 1 < len(results) else None
            if (result.status == GROUP and nxt is not None and nxt.status == RESOLVED
                    and nxt.organisation.kind in PROVINCE_KINDS
                    and set(result.group.member_kinds) <= {k.value for k in PROVINCE_KINDS}
                    and not result.group.needs_selection):
                continue
            kept.append(result)
        return kept
