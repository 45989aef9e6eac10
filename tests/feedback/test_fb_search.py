"""Public search and similar submissions (nq57.feedback.search), on SQLite (FTS5) and PostgreSQL (tsvector + GIN).

Submissions are written with the ORM and indexed with `search.index_submissions`, as the services do after
each save; one test goes through the real services (publish, hide).
"""

import datetime
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nq57.feedback import search
from nq57.feedback.models import Answer, Field, State, Submission

pytestmark = pytest.mark.django_db

_numbers = itertools.count(1)
DAY = datetime.timedelta(days=1)
BASE = datetime.datetime(2026, 3, 10, 3, 0, tzinfo=datetime.UTC)  # 10:00 in Vietnam


@pytest.fixture(autouse=True)
def _fresh_caches():
    search.clear_caches()
    yield
    search.clear_caches()


@pytest.fixture
def field(db):
    return Field.objects.get(code="the-che-thu-tuc")


@pytest.fixture
def make(field, org):
    """make(title, content, published=days after BASE or None, **fields) → an indexed submission."""

    def create(title, content="", published=0, consent=False, answer="", **fields):
        number = next(_numbers)
        intake = org("P20")
        values = dict(
            code=f"PAKN-2026-{900000 + number:06d}", year=2026, number=900000 + number, access_key_hash="0" * 64,
            kind="recommendation", field=field, title=title, content=content, submitter_name="Nguyễn Văn An",
            address="Lạng Sơn", intake=intake, holder=intake, received_at=BASE - 30 * DAY,
            consent_publish=consent, state=State.RECEIVED)
        if published is not None:
            at = BASE + published * DAY if isinstance(published, (int, float)) else published
            values.update(state=State.PUBLISHED, published_at=at, public_title=title, public_content=content,
                          lead_agency=org("P20-SKHCN"), holder=org("P20-SKHCN"))
        values.update(fields)
        submission = Submission.objects.create(**values)
        if answer:
            Answer.objects.create(submission=submission, organisation=org("P20-SKHCN"), text=answer,
                                  public_text=answer, status=Answer.Status.APPROVED)
        search.index_submissions([submission])
        return submission

    return create


def codes(rows):
    return [row.code for row in rows]


# --- Matching ---------------------------------------------------------------------------------------------------

def test_words_without_diacritics_find_the_text_with_them(make):
    wanted = make("Đẩy mạnh chuyển đổi số ở cấp xã", "Đề nghị hỗ trợ chữ ký số cho hộ kinh doanh.")
    make("Rút ngắn thời gian cấp phép xây dựng", "Hồ sơ phải qua nhiều cơ quan.")

    assert codes(search.search_public("chuyen doi so")) == [wanted.code]
    assert codes(search.search_public("CHUYỂN ĐỔI SỐ")) == [wanted.code]
    assert codes(search.search_public("chu ky so ho kinh doanh")) == [wanted.code]


def test_every_word_of_the_query_must_appear_as_a_whole_word(make):
    both = make("Chữ ký số cho doanh nghiệp nhỏ")
    make("Chữ ký điện tử cho doanh nghiệp")
    make("Sổ tay số hoá")

    assert codes(search.search_public("chu ky so doanh")) == [both.code]
    assert search.search_public("doanh nghie") == []  # no partial words


def test_quoted_words_must_appear_together_in_that_order(make):
    phrase = make("Cấp chữ ký số miễn phí cho người dân")
    scattered = make("Chữ viết tay trên hồ sơ ký nhận số liệu")

    assert set(codes(search.search_public("chu ky so"))) == {phrase.code, scattered.code}
    assert codes(search.search_public('"chu ky so"')) == [phrase.code]
    assert codes(search.search_public('"so ky chu"')) == []


def test_the_published_answer_is_searched_too(make):
    answered = make("Kiến nghị về thủ tục", "Nội dung ngắn.", answer="Sở đã ban hành hướng dẫn liên thông dữ liệu.")

    assert codes(search.search_public("lien thong du lieu")) == [answered.code]


def test_the_original_text_with_personal_data_is_not_searched(make):
    # The content as sent names the submitter; the published content does not.
    make("Góp ý về cổng dịch vụ công", "Tôi là Trần Thị Bích Ngọc, điện thoại 0912345678.",
         public_content="Tôi là [đã ẩn], điện thoại [đã ẩn].")

    assert search.search_public("Bich Ngoc") == []
    assert search.search_public("0912345678") == []
    assert len(search.search_public("cong dich vu")) == 1


@pytest.mark.parametrize("query", ['"', '""', "*", "NEAR(", "a AND", "OR OR", "-", "'; DROP TABLE x; --", "%_",
                                   "x" * 500, "^chu", "chu:ky"])
def test_odd_queries_never_fail(make, query):
    make("Chữ ký số cho doanh nghiệp")

    assert isinstance(search.search_public(query), list)


# --- Who sees what ----------------------------------------------------------------------------------------------

def test_hidden_confidential_and_unpublished_submissions_are_never_in_public_results(make):
    public = make("Dữ liệu dân cư dùng chung")
    make("Dữ liệu dân cư chưa công bố", published=None, consent=True)
    make("Dữ liệu dân cư bảo mật", confidential=True)
    make("Dữ liệu dân cư bị ẩn", hidden=True, hidden_reason="Lạm dụng")
    make("Dữ liệu dân cư đang khiếu nại", state=State.CONTESTED)

    assert codes(search.search_public("du lieu dan cu")) == [public.code]
    assert codes(search.search_public("")) == [public.code]


def test_hiding_a_published_submission_takes_it_out_of_search_and_unhiding_brings_it_back(make):
    submission = make("Phần mềm một cửa hay bị lỗi")
    assert len(search.search_public("mot cua")) == 1

    Submission.objects.filter(pk=submission.pk).update(hidden=True)
    search.index_submissions([submission.pk])
    assert search.search_public("mot cua") == []
    assert Submission.objects.get(pk=submission.pk).public_search_text == ""

    Submission.objects.filter(pk=submission.pk).update(hidden=False)
    search.index_submissions([submission.pk])
    assert len(search.search_public("mot cua")) == 1


def test_a_submission_published_and_hidden_through_the_services_is_found_then_not(published, lan):
    from nq57.feedback import actions

    # The fixture's title: "Đề nghị đơn giản hoá thủ tục cấp phép thử nghiệm công nghệ mới".
    assert codes(search.search_public("don gian hoa thu tuc cap phep")) == [published.code]
    assert search.search_public("Nguyen Van An") == []  # the name is redacted in what is published

    actions.hide_submission(actor=lan, submission=published, reason="Nội dung không phù hợp")
    assert search.search_public("don gian hoa thu tuc cap phep") == []


# --- Filters and paging -----------------------------------------------------------------------------------------

def test_it_filters_by_field_agency_and_local_publication_days(make, org):
    other_field = Field.objects.get(code="cn-tri-tue-nhan-tao")
    in_field = make("Trí tuệ nhân tạo trong y tế", field=other_field)
    by_ministry = make("Trí tuệ nhân tạo cho doanh nghiệp", lead_agency=org("BKHCN"), holder=org("BKHCN"))
    # 23:30 on 12 March in Vietnam is 16:30 UTC: it belongs to the local day 12 March.
    late = make("Trí tuệ nhân tạo ở cấp xã", published=datetime.datetime(2026, 3, 12, 16, 30, tzinfo=datetime.UTC))
    early = make("Trí tuệ nhân tạo trong giáo dục", published=-5)

    assert codes(search.search_public("tri tue", field=other_field)) == [in_field.code]
    assert codes(search.search_public("tri tue", agency=org("BKHCN"))) == [by_ministry.code]
    assert set(codes(search.search_public("tri tue", agency=[org("BKHCN").pk, org("P20-SKHCN").pk]))) == {
        in_field.code, by_ministry.code, late.code, early.code}
    day = datetime.date(2026, 3, 12)
    assert codes(search.search_public("tri tue", date_from=day, date_to=day)) == [late.code]
    assert codes(search.search_public("", date_to=datetime.date(2026, 3, 9))) == [early.code]
    assert early.code not in codes(search.search_public("", date_from=datetime.date(2026, 3, 10)))


def test_results_come_newest_published_first_and_pages_follow_without_gaps_or_repeats(make):
    made = []
    for n in range(7):
        # Pairs share a publication time: paging must break ties by id.
        made.append(make(f"Kiến nghị số {n} về hạ tầng số", published=BASE + (n // 2) * DAY))
    expected = [s.code for s in sorted(made, key=lambda s: (s.published_at, s.pk), reverse=True)]

    first = search.search_public("ha tang", limit=3)
    assert codes(first) == expected[:3]
    seen, page = [], first
    while page:
        seen += codes(page)
        last = page[-1]
        page = search.search_public("ha tang", before=(last.published_at, last.pk), limit=3)
    assert seen == expected


@pytest.mark.parametrize("settings_", [
    # SQLite: walk the date index, testing ids against the set of matches, or the texts.
    {"FTS_FIRST_CAP": 2},
    {"FTS_FIRST_CAP": 2, "FTS_SET_CAP": 2},
    # SQLite: past the walk's budget, all matches sorted.
    {"FTS_FIRST_CAP": 2, "WALK_SET_FIRST_BATCH": 2, "WALK_SET_BUDGET": 3},
    {"FTS_FIRST_CAP": 2, "FTS_SET_CAP": 2, "WALK_FIRST_BATCH": 2, "WALK_BUDGET": 3},
    # PostgreSQL: the newest rows hold a page, or not and the GIN index is asked.
    {"PG_WINDOW": 5},
    {"PG_WINDOW": 2},
], ids=["walk-set", "walk-texts", "walk-set-then-sort", "walk-texts-then-sort", "window", "window-too-small"])
def test_every_path_for_many_matches_gives_the_same_pages(make, monkeypatch, settings_):
    for n in range(9):
        # Matches and other rows interleaved, with ties on the publication time.
        make(f"Hạ tầng số cho chữ ký số vùng {n}" if n % 3 else f"Chữ viết tay, ký số hoá hạ tầng {n}",
             published=n // 2)
        make(f"Chuyện khác {n}", published=n // 2)
    expected = {query: codes(search.search_public(query, limit=20)) for query in ("ha tang so", '"chu ky so" ha')}
    assert len(expected["ha tang so"]) == 9 and len(expected['"chu ky so" ha']) == 6

    for name, value in settings_.items():
        monkeypatch.setattr(search, name, value)
    for query, wanted in expected.items():
        pages, page = [], search.search_public(query, limit=4)
        while page:
            pages += codes(page)
            last = page[-1]
            page = search.search_public(query, limit=4, before=(last.published_at, last.pk))
        assert pages == wanted


def test_searching_never_counts_the_table(make):
    make("Hạ tầng số")
    with CaptureQueriesContext(connection) as captured:
        search.search_public("ha tang", date_from=datetime.date(2026, 1, 1))
        search.search_public("")
    assert not [q for q in captured.captured_queries if "COUNT(" in q["sql"].upper()]
    assert len(captured) <= 4


# --- Similar submissions ----------------------------------------------------------------------------------------

DUPLICATE_TITLE = "Đề nghị miễn phí chứng thư số cho hộ kinh doanh tại Lạng Sơn"
DUPLICATE_CONTENT = ("Hộ kinh doanh ở xã Hữu Lũng phải trả phí chứng thư số hằng năm để khai thuế điện tử. "
                     "Đề nghị tỉnh hỗ trợ kinh phí năm đầu.")


def test_similar_ranks_a_near_duplicate_first(make):
    others = [make("Chứng thư số cho doanh nghiệp lớn", "Thủ tục gia hạn còn phức tạp."),
              make("Hỗ trợ hộ kinh doanh chuyển đổi số", "Đào tạo kỹ năng số."),
              make("Khai thuế điện tử bị lỗi", "Cổng thuế chậm vào cuối tháng.")]
    duplicate = make("Kiến nghị miễn phí chứng thư số cho các hộ kinh doanh ở Lạng Sơn",
                     "Các hộ kinh doanh tại xã Hữu Lũng phải trả phí chứng thư số mỗi năm để khai thuế điện tử.")

    found = search.similar(DUPLICATE_TITLE, DUPLICATE_CONTENT)

    assert found[0] == duplicate
    assert 0.5 < found[0].similarity <= 1
    assert all(0 < row.similarity < found[0].similarity for row in found[1:])
    assert set(found[1:]) <= set(others)


def test_similar_shows_consented_unpublished_ones_but_never_confidential_hidden_or_private_ones(make):
    consented = make(DUPLICATE_TITLE, DUPLICATE_CONTENT, published=None, consent=True)
    make(DUPLICATE_TITLE, DUPLICATE_CONTENT, published=None, consent=False)  # not consented, not published
    make(DUPLICATE_TITLE, DUPLICATE_CONTENT, published=None, consent=True, confidential=True)
    make(DUPLICATE_TITLE, DUPLICATE_CONTENT, consent=True, hidden=True)
    make(DUPLICATE_TITLE, DUPLICATE_CONTENT, published=None, consent=True, state=State.CLOSED)

    found = search.similar(DUPLICATE_TITLE, DUPLICATE_CONTENT)

    assert found == [consented]
    # Known by its title only: its content is not in what the public may search.
    assert search.search_public("Huu Lung") == []
    assert consented.public_search_text.strip() == " ".join(search.words(DUPLICATE_TITLE))


def test_similar_leaves_out_the_excluded_submission(make):
    first = make(DUPLICATE_TITLE, DUPLICATE_CONTENT)
    second = make(DUPLICATE_TITLE + " (gửi lại)", DUPLICATE_CONTENT)

    assert search.similar(DUPLICATE_TITLE, DUPLICATE_CONTENT, exclude=first) == [second]
    assert search.similar(DUPLICATE_TITLE, DUPLICATE_CONTENT, exclude=[first.pk, second.pk]) == []


def test_similar_ignores_vietnamese_function_syllables_and_unrelated_texts(make):
    make("Đề nghị cho người dân được tham gia", "Cần có những ý kiến này.")
    make(DUPLICATE_TITLE, DUPLICATE_CONTENT)

    assert search.similar("Đề nghị cho người được", "và của các cho trong là có được") == []
    assert search.similar("Robot hàn trong nhà máy đóng tàu", "Tự động hoá dây chuyền.") == []


def test_similar_limits_its_answer(make):
    for n in range(8):
        make(f"{DUPLICATE_TITLE} {n}", DUPLICATE_CONTENT)

    assert len(search.similar(DUPLICATE_TITLE, DUPLICATE_CONTENT, limit=3)) == 3


# --- Keeping the index in step ----------------------------------------------------------------------------------

def test_index_submissions_gives_the_given_objects_their_new_text(make):
    submission = make("Dữ liệu mở về giao thông", published=None)
    assert submission.public_search_text == ""

    submission.consent_publish = True
    submission.save()
    search.index_submissions([submission])
    assert submission.public_search_text == " du lieu mo ve giao thong "
    submission.save()  # a later full save of the same object keeps it
    assert Submission.objects.get(pk=submission.pk).public_search_text == " du lieu mo ve giao thong "
    assert len(search.similar("Dữ liệu mở về giao thông")) == 1


def test_rebuild_index_finds_rows_written_in_bulk(field, org):
    intake = org("P20")
    Submission.objects.bulk_create([Submission(
        code=f"PAKN-2026-{800000 + n:06d}", year=2026, number=800000 + n, access_key_hash="0" * 64,
        kind="comment", field=field, title=f"Trạm sạc xe điện số {n}", content="Thiếu trạm sạc.",
        submitter_name="A", address="B", intake=intake, holder=intake, received_at=BASE, state=State.PUBLISHED,
        published_at=BASE + n * DAY, public_title=f"Trạm sạc xe điện số {n}", public_content="Thiếu trạm sạc.")
        for n in range(3)])
    assert search.search_public("tram sac") == []  # not indexed yet

    assert search.rebuild_index() == 3
    assert len(search.search_public("tram sac")) == 3
    assert len(search.similar("Trạm sạc xe điện", "Thiếu trạm sạc.")) == 3
