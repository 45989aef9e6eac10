"""Name resolution: one agency name or a whole published table cell → organisations and groups."""

import re

import pytest

from nq57.orgs.models import CENTRAL_AGENCY_KINDS, PROVINCE_KINDS, Kind, Organisation
from nq57.orgs.resolution import AMBIGUOUS, GROUP, NOT_FOUND, RESOLVED, Resolver

pytestmark = pytest.mark.django_db

APPENDIX_2 = "resolution-03-NQ-CP-appendix-2-tasks.md"


@pytest.fixture(scope="module")
def resolver(django_db_setup, django_db_blocker):
    # The index only reads the map loaded for the session; building it once keeps the file fast.
    with django_db_blocker.unblock():
        return Resolver()


# (text, organisation code it resolves to, via)
RESOLVED_NAMES = [
    ("Bộ Khoa học và Công nghệ", "BKHCN", "exact"),
    ("bo khoa hoc va cong nghe", "BKHCN", "exact"),
    ("  BỘ KHOA HỌC VÀ CÔNG NGHỆ ", "BKHCN", "exact"),
    ("Bộ KH&CN", "BKHCN", "abbreviation"),
    ("Bộ KH & CN", "BKHCN", "abbreviation"),
    ("MOST", "BKHCN", "abbreviation"),
    ("Ministry of Science and Technology", "BKHCN", "alias"),
    ("Bộ Khoa học, Công nghệ", "BKHCN", "folded"),
    ("Ngân hàng nhà nước Việt Nam", "NHNN", "exact"),
    ("Ngân hàng Nhà nước", "NHNN", "abbreviation"),
    ("VTV", "VTV", "abbreviation"),
    ("Ban Kinh tế Trung ương", "BCSCLTW", "alias"),
    ("Tỉnh Lạng Sơn", "P20", "exact"),
    ("Lạng Sơn", "P20", "exact"),
    ("UBND tỉnh Lạng Sơn", "P20", "prefix"),
    ("Ủy ban nhân dân tỉnh Lạng Sơn", "P20", "prefix"),
    ("ubnd tinh lang son", "P20", "prefix"),
    ("Thành phố Hồ Chí Minh", "P79", "exact"),
    ("TP Hồ Chí Minh", "P79", "prefix"),
    ("TP. Hồ Chí Minh", "P79", "prefix"),
    ("Hà Nội", "P01", "exact"),
    ("Sở Khoa học và Công nghệ Lạng Sơn", "P20-SKHCN", "exact"),
    ("Sở KH&CN Lạng Sơn", "P20-SKHCN", "abbreviation"),
    ("BCĐ Lạng Sơn", "P20-BCD", "abbreviation"),
    ("Phường Ba Đình", "X00004", "exact"),
]


@pytest.mark.parametrize("text, code, via", RESOLVED_NAMES)
def test_it_resolves_a_name(resolver, text, code, via):
    result = resolver.resolve(text)
    assert (result.status, result.organisation.code, result.via) == (RESOLVED, code, via)
    assert result.ok
    assert not result.via_history


# (former name, the body it named, today's successor)
FORMER_NAMES = [
    ("Bộ Thông tin và Truyền thông", "BTTTT", "BKHCN"),
    ("Bộ TT&TT", "BTTTT", "BKHCN"),
    ("Bộ Kế hoạch và Đầu tư", "BKHDT", "BTC"),
    ("Bộ Lao động - Thương binh và Xã hội", "BLDTBXH", "BNV"),
    ("Bộ Tài nguyên và Môi trường", "BTNMT", "BNNMT"),
    ("Bộ Nông nghiệp và Phát triển nông thôn", "BNNPTNT", "BNNMT"),
    ("Bộ Giao thông vận tải", "BGTVT", "BXD"),
    ("Ủy ban Dân tộc", "UBDT", "BDTTG"),
    ("Ban Tuyên giáo Trung ương", "BTGTW", "BTGDVTW"),
    ("Tỉnh Hà Giang", "LP02", "P08"),
]


@pytest.mark.parametrize("text, former_code, successor_code", FORMER_NAMES)
def test_a_former_name_resolves_to_the_successor_through_history(resolver, text, former_code, successor_code):
    result = resolver.resolve(text)
    assert result.status == RESOLVED
    assert result.via == "history"
    assert result.via_history
    assert (result.named.code, result.organisation.code) == (former_code, successor_code)
    assert "kế thừa" in result.describe()


def test_on_a_date_before_the_merger_the_former_body_is_still_itself():
    import datetime

    result = Resolver(on=datetime.date(2025, 1, 15)).resolve("Bộ Thông tin và Truyền thông")
    assert (result.status, result.organisation.code, result.via) == (RESOLVED, "BTTTT", "exact")


def test_a_commune_name_shared_by_several_provinces_is_ambiguous(resolver):
    result = resolver.resolve("Xã Tân Hòa")
    assert result.status == AMBIGUOUS
    assert not result.ok
    assert result.organisation is None
    # Every active commune of that name is offered, each in a different province.
    expected = set(Organisation.objects.active().filter(name="Xã Tân Hòa").values_list("pk", flat=True))
    assert len(expected) > 1
    assert {c.pk for c in result.candidates} == expected
    assert len({c.parent_id for c in result.candidates}) == len(expected)


def test_within_one_province_an_ambiguous_commune_name_is_looked_up_only_there(org):
    ambiguous = Organisation.objects.active().filter(name="Xã Tân Hòa").first()
    result = Resolver(within=ambiguous.parent).resolve("Xã Tân Hòa")
    assert (result.status, result.organisation) == (RESOLVED, ambiguous)
    # And a name from elsewhere is not found inside Lạng Sơn.
    assert Resolver(within=org("P20")).resolve("Bộ Công an").status == NOT_FOUND


@pytest.mark.parametrize("text", ["xyzzy plugh", "Bộ Phép thuật", "Bộ", "", "   ", "!!!", "Tân Hòa"])
def test_gibberish_and_bare_fragments_are_not_found(resolver, text):
    result = resolver.resolve(text)
    assert result.status == NOT_FOUND
    assert result.organisation is None and result.group is None
    assert not result.ok


@pytest.mark.parametrize("text, group_code", [
    ("Các bộ, ngành, địa phương", "bo-nganh-dia-phuong"),
    ("các bộ ngành địa phương", "bo-nganh-dia-phuong"),
    ("Các bộ, ngành và địa phương", "bo-nganh-dia-phuong"),
    ("Các bộ, ngành liên quan", "bo-nganh-lien-quan"),
    ("Các tỉnh, thành phố trực thuộc TW", "dia-phuong"),
])
def test_a_group_phrase_resolves_to_the_named_group(resolver, text, group_code):
    result = resolver.resolve(text)
    assert (result.status, result.group.code) == (GROUP, group_code)
    assert result.ok


def test_the_group_of_all_ministries_sectors_and_provinces_has_them_all(resolver):
    group = resolver.resolve("Các bộ, ngành, địa phương").group
    members = set(group.member_queryset().values_list("pk", flat=True))
    active = Organisation.objects.active()
    ministries = set(active.filter(kind=Kind.MINISTRY).values_list("pk", flat=True))
    central = set(active.filter(kind__in=CENTRAL_AGENCY_KINDS).values_list("pk", flat=True))
    provinces = set(active.filter(kind__in=PROVINCE_KINDS).values_list("pk", flat=True))
    assert len(ministries) >= 14 and len(provinces) == 34
    assert central | provinces <= members
    # Former ministries and communes are not members.
    assert not members & set(Organisation.objects.filter(code__in=["BTTTT", "BKHDT", "X00004"])
                             .values_list("pk", flat=True))


# (cell as published, [(status, organisation or group code, via)] in order)
CELLS = [
    ("Ban Tuyên giáo Trung ương; các bộ, ngành, địa phương; VTV, VOV, TTXVN", [
        (RESOLVED, "BTGDVTW", "history"), (GROUP, "bo-nganh-dia-phuong", "group"),
        (RESOLVED, "VTV", "abbreviation"), (RESOLVED, "VOV", "abbreviation"), (RESOLVED, "TTXVN", "abbreviation"),
    ]),
    # Row 8 of appendix II: two ministries with no separator between them.
    ("Bộ Thông tin và Truyền thông Bộ Khoa học và Công nghệ", [
        (RESOLVED, "BKHCN", "history"), (RESOLVED, "BKHCN", "exact"),
    ]),
    ("Bộ Công an, Bộ Nội vụ, Bộ Kế hoạch và Đầu tư, Bộ Tài chính, Bộ Lao động - Thương binh và Xã hội,"
     "Thanh tra Chính phủ, các bộ, ngành và địa phương", [
        (RESOLVED, "BCA", "exact"), (RESOLVED, "BNV", "exact"), (RESOLVED, "BTC", "history"),
        (RESOLVED, "BTC", "exact"), (RESOLVED, "BNV", "history"), (RESOLVED, "TTCP", "exact"),
        (GROUP, "bo-nganh-dia-phuong", "group"),
    ]),
    # "các địa phương" only introduces the provinces it lists.
    ("Các địa phương Hà Nội, Thành phố Hồ Chí Minh", [
        (RESOLVED, "P01", "exact"), (RESOLVED, "P79", "exact"),
    ]),
    ("UBND tỉnh Lạng Sơn, TP Hồ Chí Minh", [(RESOLVED, "P20", "prefix"), (RESOLVED, "P79", "prefix")]),
    ("Bộ Khoa học và Công nghệ và xyzzy", [(RESOLVED, "BKHCN", "exact"), (NOT_FOUND, None, "")]),
    ("Các bộ, ngành liên quan", [(GROUP, "bo-nganh-lien-quan", "group")]),
    ("", []),
]


def _summary(result):
    code = result.organisation.code if result.organisation else result.group.code if result.group else None
    return result.status, code, result.via


@pytest.mark.parametrize("cell, expected", CELLS)
def test_it_resolves_every_mention_of_a_published_cell_in_order(resolver, cell, expected):
    assert [_summary(r) for r in resolver.resolve_cell(cell)] == expected


def test_an_unknown_fragment_in_a_cell_is_reported_not_dropped(resolver):
    results = resolver.resolve_cell("Bộ Y tế, Bộ Phép thuật, Bộ Công an")
    assert [(r.status, r.text) for r in results] == [
        (RESOLVED, "bo y te"), (NOT_FOUND, "bo phep thuat"), (RESOLVED, "bo cong an"),
    ]


# --- The appendix of tasks of Resolution 03/NQ-CP, as published -------------------------------


def _appendix_rows(path):
    """(TT, lead cell, coordinating cell) for every table row with content in either agency column.

    The published table continues a long task in an extra row with an empty TT; such a row
    carries the TT of the task it continues."""
    rows, current_tt = [], None
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|") or set(line) <= set("|- "):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        tt = cells[0].strip("*. ")
        if tt == "TT":
            continue  # the header
        if tt:
            current_tt = tt
        if re.fullmatch(r"[IVX]+", tt):
            continue  # a section heading
        rows.append((current_tt, cells[2], cells[3]))
    return rows


# Mentions in appendix II that do not resolve cleanly, all of them faults of the published text.
KNOWN_EXCEPTIONS = [
    # Task 3 (the 4th row of the table): the transcription truncates the coordinating cell after "Bộ".
    ("3", "bo", NOT_FOUND),
    # Task 108 continues in an extra row (the 114th of the table) whose coordinating cell begins with
    # the second half of "Bộ Nông nghiệp và Phát triển nông thôn", cut off at the row break.
    ("108", "nghiep phat trien nong thon", "fragment"),
]


def test_every_agency_in_appendix_2_of_resolution_03_resolves_except_the_known_transcription_faults(shared_data):
    rows = _appendix_rows(shared_data / APPENDIX_2)
    assert len({tt for tt, _lead, _coord in rows}) == 140  # tasks 1 to 140
    resolver = Resolver()
    problems, mentions = [], 0
    for tt, lead, coordinating in rows:
        for cell in (lead, coordinating):
            for result in resolver.resolve_cell(cell):
                mentions += 1
                if not result.ok:
                    problems.append((tt, result.text, result.status))
                elif result.via == "fragment":
                    problems.append((tt, result.text, "fragment"))
    assert mentions > 300  # the table was parsed, not skipped
    assert problems == KNOWN_EXCEPTIONS


def test_the_truncated_fragment_in_appendix_2_still_reaches_the_successor_ministry(resolver, shared_data):
    rows = _appendix_rows(shared_data / APPENDIX_2)
    continuation = [coord for tt, lead, coord in rows if tt == "108" and not lead]
    (first, *rest) = resolver.resolve_cell(continuation[0])
    assert (first.status, first.via) == (RESOLVED, "fragment")
    assert (first.named.code, first.organisation.code) == ("BNNPTNT", "BNNMT")
    assert [r.organisation.code for r in rest] == ["BKHCN", "BTC"]


def test_the_all_agencies_cells_of_appendix_2_name_the_group_of_every_ministry_and_province(resolver, shared_data):
    rows = _appendix_rows(shared_data / APPENDIX_2)
    all_cells = [cell for _tt, lead, coord in rows for cell in (lead, coord)
                 if cell.lower().strip() in {"các bộ, ngành, địa phương", "bộ, ngành, địa phương"}]
    assert len(all_cells) > 20
    groups = {r.group.code for cell in all_cells for r in resolver.resolve_cell(cell)}
    assert groups == {"bo-nganh-dia-phuong"}
    members = resolver.resolve_cell(all_cells[0])[0].group.member_queryset()
    active = Organisation.objects.active()
    assert set(active.filter(kind=Kind.MINISTRY).values_list("pk", flat=True)) <= set(
        members.values_list("pk", flat=True))
    assert members.filter(kind__in=PROVINCE_KINDS).count() == 34
