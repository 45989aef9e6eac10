"""Generate a national-volume feedback dataset: 1,000,000 submissions, for the feedback benchmarks.

    NQ57_DATA_DIR=/tmp/nq57-fb-sqlite .venv/bin/python bench/feedback_generate.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/nq57fb NQ57_DATA_DIR=/tmp/nq57-fb-pg \
        .venv/bin/python bench/feedback_generate.py          # creates the database nq57fb when missing

Migrates the database and loads the organisation map when it is empty (no demo data is needed), then writes
--count submissions received between 2025-01-02 and --today (default 2026-11-22), growing over time:

- Titles and contents in Vietnamese built from a vocabulary of about 400 phrases of the domain of Resolution
  57 (requests, actions, ~150 subjects, audiences, problems, benefits, legal references), drawn with a Zipf
  distribution, plus commune and province names, numbers and years (the rare words real text has); about
  one submission in sixteen repeats an earlier one in other words (near-duplicates). The content ends with
  the sender's name, phone and address; the published content is the same without that line.
- Kinds: comments 45 %, recommendations 35 %, initiatives 12 %, solutions 8 %; the 19 fields of the default
  taxonomy, Zipf-like; intake the Central Steering Committee (70 %) or the sender's province; lead agencies
  among the ministries (40 %), the provinces (35 %) and the provinces' departments of science and technology.
- About 60 % published (published_at over 2025–2026, 5 to 45 days after receipt) with an approved answer; the
  rest at every other stage; about 2 % confidential initiatives and solutions (never published) and 0.5 %
  hidden by moderators.

Bulk inserts (COPY on PostgreSQL, one prepared INSERT with executemany on SQLite), ids given by the script:
this is load, not behaviour, so it bypasses the service functions, the audit trail and the timeline on
purpose. Each row's `search_text` and `public_search_text` are computed as the application would
(`search.public_text`), then the full-text index is built once (SQLite: `search.rebuild_index(recompute=False)`,
PostgreSQL: the GIN index is dropped during the load and created again). The tracking-code sequences are moved
past the generated numbers. Deterministic (fixed seed). With --replace, earlier benchmark submissions (marked
by their client hash) are deleted first. Ends with ANALYZE (PostgreSQL: VACUUM ANALYZE).
"""

import argparse
import datetime
import hashlib
import importlib
import itertools
import os
import random
import re
import sys
import time
import unicodedata
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "nq57.settings")


def ensure_database():
    """Create the PostgreSQL database named in DATABASE_URL when it does not exist."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        return
    import psycopg

    parts = urlparse(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
            print(f"created the database {name}", flush=True)


ensure_database()

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from _bulk import Writer  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from nq57.core.text import fold  # noqa: E402
from nq57.feedback import search  # noqa: E402
from nq57.feedback.models import Answer, CodeSequence, Field, Submission  # noqa: E402
from nq57.orgs.models import Organisation  # noqa: E402

MARK = "bench/feedback_generate.py"  # the client hash of generated submissions: how they are found again
START = datetime.date(2025, 1, 2)
BATCH = 20_000
UTC = datetime.UTC

# --- Vocabulary ------------------------------------------------------------------------------------------------

REQUESTS = ["Đề nghị", "Kiến nghị", "Góp ý về việc", "Đề xuất", "Phản ánh việc chậm", "Kính đề nghị xem xét",
            "Xin hướng dẫn về việc", "Kiến nghị sớm", "Đề nghị làm rõ việc", "Mong muốn cơ quan chức năng",
            "Đề nghị bộ, ngành", "Kiến nghị Ủy ban nhân dân tỉnh"]
ACTIONS = ["đơn giản hóa thủ tục", "rút ngắn thời gian cấp", "sửa đổi quy định về", "bổ sung hướng dẫn về",
           "mở rộng", "tích hợp", "kết nối", "liên thông dữ liệu về", "miễn giảm phí", "hỗ trợ kinh phí cho",
           "công khai thông tin về", "đẩy nhanh", "tháo gỡ vướng mắc về", "nâng cấp", "thí điểm", "đào tạo về",
           "chuẩn hóa", "số hóa", "ưu đãi thuế cho", "cấp phép", "giải ngân vốn cho", "đầu tư", "xây dựng",
           "ứng dụng", "phát triển", "bảo đảm an toàn cho", "giảm chi phí", "thống nhất quy trình",
           "phân cấp thẩm quyền về", "tăng cường kiểm tra", "ban hành tiêu chuẩn về", "đặt hàng nghiên cứu về"]
SUBJECTS = [
    "chuyển đổi số", "dịch vụ công trực tuyến", "chữ ký số", "định danh điện tử", "cơ sở dữ liệu quốc gia về dân cư",
    "trí tuệ nhân tạo", "dữ liệu lớn", "điện toán đám mây", "an ninh mạng", "hạ tầng số", "mạng 5G",
    "chip bán dẫn", "đổi mới sáng tạo", "khởi nghiệp sáng tạo", "quỹ phát triển khoa học và công nghệ",
    "sở hữu trí tuệ", "chuyển giao công nghệ", "thủ tục hành chính", "hồ sơ điện tử", "nhân lực số",
    "thanh toán không dùng tiền mặt", "kỹ năng số", "nền tảng số", "kinh tế số", "xã hội số", "chính phủ số",
    "đô thị thông minh", "phòng thí nghiệm trọng điểm", "khu công nghệ cao", "doanh nghiệp khoa học và công nghệ",
    "đề tài nghiên cứu khoa học", "cơ chế thử nghiệm có kiểm soát", "học bổng sau đại học", "thu hút nhân tài",
    "trí thức người Việt Nam ở nước ngoài", "hợp tác quốc tế về khoa học", "tiêu chuẩn kỹ thuật", "dữ liệu mở",
    "bảo vệ dữ liệu cá nhân", "hóa đơn điện tử", "bệnh án điện tử", "học bạ số", "sổ sức khỏe điện tử",
    "giao thông thông minh", "nông nghiệp công nghệ cao", "năng lượng tái tạo", "vật liệu mới", "robot công nghiệp",
    "tự động hóa sản xuất", "công nghệ sinh học", "công nghệ chuỗi khối", "vệ tinh quan sát Trái Đất",
    "internet vạn vật", "bản sao số", "trung tâm dữ liệu", "cáp quang biển", "sóng di động vùng sâu vùng xa",
    "kinh phí nghiên cứu", "cơ chế khoán chi", "tài sản trí tuệ", "thương mại hóa kết quả nghiên cứu",
    "cổng dịch vụ công quốc gia", "ứng dụng VNeID", "căn cước điện tử", "giấy phép lái xe điện tử",
    "đăng ký kinh doanh trực tuyến", "thuế điện tử", "bảo hiểm xã hội điện tử", "sàn giao dịch công nghệ",
    "vườn ươm doanh nghiệp", "trung tâm đổi mới sáng tạo quốc gia", "quỹ đầu tư mạo hiểm", "chứng thư số",
    "mã số mã vạch", "truy xuất nguồn gốc nông sản", "thương mại điện tử", "ví điện tử", "ngân hàng số",
    "giáo dục STEM", "đào tạo kỹ sư bán dẫn", "chương trình đào tạo tài năng", "giáo sư, phó giáo sư",
    "viện nghiên cứu công lập", "tự chủ đại học", "tạp chí khoa học", "công bố quốc tế", "bằng độc quyền sáng chế",
    "nhãn hiệu", "kiểu dáng công nghiệp", "thẩm định công nghệ", "đấu thầu công nghệ thông tin",
    "thuê dịch vụ công nghệ thông tin", "phần mềm nguồn mở", "điện toán lượng tử", "thực tế ảo",
    "camera giám sát giao thông", "hệ thống thông tin báo cáo", "văn bản điện tử", "họp trực tuyến",
    "lưu trữ điện tử", "chữ ký số công cộng", "chữ ký số chuyên dùng", "bưu chính số", "địa chỉ số",
    "bản đồ số", "dữ liệu đất đai", "quy hoạch số", "xây dựng nông thôn mới thông minh", "du lịch thông minh",
    "y tế từ xa", "khám chữa bệnh từ xa", "đơn thuốc điện tử", "giáo dục trực tuyến", "kho học liệu số",
    "thư viện số", "bảo tàng số", "di sản văn hóa số hóa", "báo chí điện tử", "mạng xã hội",
    "lừa đảo trực tuyến", "tin nhắn rác", "cuộc gọi rác", "sim rác", "tên miền quốc gia", "địa chỉ IPv6",
    "điện mặt trời mái nhà", "xe điện", "trạm sạc xe điện", "pin lưu trữ", "hydro xanh", "đất hiếm",
    "vi mạch", "thiết kế vi mạch", "đóng gói chip", "kiểm thử chip", "trung tâm dữ liệu xanh",
    "mô hình ngôn ngữ lớn tiếng Việt", "dữ liệu huấn luyện trí tuệ nhân tạo", "đạo đức trí tuệ nhân tạo",
    "robot y tế", "máy bay không người lái", "nông nghiệp chính xác", "cảm biến thông minh", "lưới điện thông minh",
    "quản lý chất thải bằng công nghệ", "quan trắc môi trường tự động", "cảnh báo thiên tai", "dự báo thời tiết",
]
AUDIENCES = ["cho doanh nghiệp nhỏ và vừa", "cho người dân vùng sâu, vùng xa", "cho hộ kinh doanh",
             "cho sinh viên", "cho nhà khoa học trẻ", "cho doanh nghiệp khởi nghiệp", "tại cấp xã",
             "tại các trường đại học", "trong ngành y tế", "trong ngành giáo dục", "cho người cao tuổi",
             "cho hợp tác xã nông nghiệp", "cho viện nghiên cứu", "cho cán bộ, công chức", "cho người khuyết tật",
             "cho đồng bào dân tộc thiểu số", "cho doanh nghiệp có vốn đầu tư nước ngoài", "cho giáo viên",
             "cho bệnh viện tuyến huyện", "cho làng nghề truyền thống", "trong khu công nghiệp",
             "cho người lao động tự do", "cho phụ nữ khởi nghiệp", "cho học sinh phổ thông"]
PROBLEMS = ["hệ thống thường xuyên bị lỗi vào giờ cao điểm", "thời gian xử lý kéo dài hơn quy định",
            "người dân phải nộp nhiều giấy tờ trùng lặp", "dữ liệu giữa các cơ quan chưa được kết nối",
            "vẫn phải nộp bản giấy dù đã nộp trực tuyến", "quy trình chưa được công khai rõ ràng",
            "chi phí thực hiện còn cao", "địa phương còn thiếu nhân lực chuyên môn", "tốc độ đường truyền chậm",
            "thông tin trên các hệ thống không khớp nhau", "thủ tục còn rườm rà", "việc giải ngân rất chậm",
            "chưa có văn bản hướng dẫn thi hành", "người dân khó tiếp cận thông tin", "phần mềm khó sử dụng",
            "mỗi nơi yêu cầu một kiểu hồ sơ khác nhau", "kết quả nghiên cứu chưa được ứng dụng vào thực tế",
            "doanh nghiệp chưa được hưởng ưu đãi như cam kết", "thiếu cơ chế chia sẻ rủi ro",
            "định mức chi còn thấp so với thực tế", "chưa có tiêu chuẩn thống nhất", "tài khoản bị khóa không rõ lý do",
            "mã xác thực gửi chậm", "không tra cứu được tình trạng hồ sơ", "chưa hỗ trợ thiết bị di động",
            "cán bộ tiếp nhận chưa được tập huấn", "nhiều vùng chưa có sóng di động ổn định",
            "hồ sơ bị trả lại nhiều lần", "phí dịch vụ chưa được công khai", "thời hạn xét duyệt không rõ ràng"]
BENEFITS = ["giúp tiết kiệm thời gian và chi phí", "tạo thuận lợi cho người dân và doanh nghiệp",
            "góp phần thực hiện thắng lợi Nghị quyết 57", "nâng cao hiệu quả quản lý nhà nước",
            "thúc đẩy đổi mới sáng tạo ở địa phương", "giảm tải cho cán bộ một cửa", "tăng tính minh bạch",
            "thu hút thêm nguồn lực xã hội", "bảo đảm an toàn thông tin", "mở rộng thị trường cho sản phẩm trong nước",
            "nâng cao năng lực cạnh tranh", "giữ chân nhân tài", "rút ngắn khoảng cách số giữa các vùng"]
LAWS = ["Nghị quyết 57-NQ/TW", "Nghị quyết 03/NQ-CP", "Luật Khoa học, công nghệ và đổi mới sáng tạo 2025",
        "Luật Giao dịch điện tử 2023", "Nghị định 13/2023/NĐ-CP", "Quyết định 06/QĐ-TTg", "Luật Dữ liệu 2024",
        "Nghị định 45/2020/NĐ-CP", "Nghị định 61/2018/NĐ-CP", "Luật Công nghiệp công nghệ số 2025",
        "Nghị định 107/2021/NĐ-CP", "Thông tư 01/2023/TT-VPCP", "Luật Sở hữu trí tuệ", "Nghị định 70/2018/NĐ-CP",
        "Luật Chuyển giao công nghệ", "Nghị quyết 193/2025/QH15", "Nghị định 88/2025/NĐ-CP", "Luật Đầu tư",
        "Luật An ninh mạng", "Nghị định 53/2022/NĐ-CP", "Quyết định 942/QĐ-TTg", "Nghị định 47/2024/NĐ-CP"]
ROLES = ["người dân", "chủ doanh nghiệp", "giảng viên đại học", "nhà nghiên cứu", "cán bộ cấp xã",
         "kỹ sư phần mềm", "nông dân", "sinh viên", "giáo viên", "bác sĩ", "luật sư", "kế toán",
         "chủ hộ kinh doanh", "chuyên gia công nghệ", "nghiên cứu sinh ở nước ngoài", "nhà đầu tư"]
INNOVATIONS = ["ứng dụng trí tuệ nhân tạo để", "dùng nền tảng số để", "xây dựng mô hình", "dùng cảm biến để",
               "kết hợp dữ liệu vệ tinh để", "dùng công nghệ chuỗi khối để", "thiết kế quy trình mới để",
               "tổ chức mạng lưới chuyên gia để"]
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô",
          "Dương", "Lý"]
MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quốc", "Thu", "Xuân", "Hoài", "Gia"]
GIVEN = ["An", "Bình", "Cường", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hòa", "Hùng", "Hương", "Khánh", "Lan",
         "Linh", "Long", "Mai", "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn",
         "Việt", "Yến"]
ANSWER_OPENINGS = ["Cảm ơn ông/bà đã quan tâm góp ý.", "Về nội dung kiến nghị, cơ quan chúng tôi trả lời như sau.",
                   "Tiếp thu ý kiến của ông/bà,", "Sau khi nghiên cứu nội dung phản ánh,"]
ANSWER_OUTCOMES = ["sẽ nghiên cứu, bổ sung vào kế hoạch năm {y}", "đã chỉ đạo khắc phục và hoàn thành trong tháng {m}",
                   "đã trình cấp có thẩm quyền sửa đổi quy định", "ghi nhận và sẽ tổ chức thí điểm tại {p}",
                   "đã ban hành văn bản hướng dẫn thống nhất", "đề nghị ông/bà thực hiện theo {law}",
                   "đang phối hợp với các bộ, ngành liên quan để xử lý dứt điểm"]

KINDS = [("comment", 45), ("recommendation", 35), ("initiative", 12), ("solution", 8)]
# State of the unpublished 40 % (percent of all submissions); the published ones are "published" or, after
# the submitter rated them, "closed".
UNPUBLISHED = [("received", 5), ("routed", 3), ("in_progress", 10), ("waiting_info", 2), ("awaiting_approval", 3),
               ("under_review", 1), ("answered", 5), ("contested", 1), ("grouped", 3), ("referred", 4),
               ("closed", 3)]
STAGE_OF = {"received": "triage", "routed": "accept", "in_progress": "answer", "waiting_info": "answer",
            "awaiting_approval": "approve", "under_review": "review", "answered": "publish", "contested": "contest",
            "grouped": "triage", "referred": "triage", "closed": "triage", "published": "publish"}


def zipf_weights(n, s=1.0):
    return list(itertools.accumulate(1 / (rank ** s) for rank in range(1, n + 1)))


class Picker:
    """Zipf-like choice from a list (the first items most often), shuffled once so rank is not list order."""

    def __init__(self, rng, items, s=1.0):
        self.items = list(items)
        rng.shuffle(self.items)
        self.cum = zipf_weights(len(self.items), s)
        self.rng = rng

    def __call__(self):
        return self.rng.choices(self.items, cum_weights=self.cum)[0]


# str.translate folding (C speed); checked against nq57.core.text.fold on the first rows.
_FOLD_TABLE = {}
for _code in itertools.chain(range(0xC0, 0x250), range(0x1E00, 0x1F00)):
    _folded = unicodedata.normalize("NFD", chr(_code))
    _folded = "".join(ch for ch in _folded if unicodedata.category(ch) != "Mn").replace("đ", "d").replace("Đ", "D")
    if _folded != chr(_code):
        _FOLD_TABLE[_code] = _folded
_SPACES = re.compile(r"\s+")


def fast_fold(text):
    return _SPACES.sub(" ", text.translate(_FOLD_TABLE).lower()).strip()


class Texts:
    """Titles, contents and answers; each submission carries its `seed` so a near-duplicate can reuse it."""

    def __init__(self, rng, provinces, communes):
        self.rng = rng
        self.request, self.action, self.subject = Picker(rng, REQUESTS), Picker(rng, ACTIONS), Picker(rng, SUBJECTS)
        self.audience, self.problem = Picker(rng, AUDIENCES), Picker(rng, PROBLEMS)
        self.benefit, self.law, self.role = Picker(rng, BENEFITS), Picker(rng, LAWS), Picker(rng, ROLES)
        self.innovation = Picker(rng, INNOVATIONS)
        self.provinces, self.communes = provinces, communes
        self.recent = []

    def seed(self, kind, province):
        r = self.rng
        if self.recent and r.random() < 1 / 16:
            return dict(r.choice(self.recent), duplicate=True)
        communes = self.communes.get(province.pk) or [province.name]
        seed = {"kind": kind, "request": self.request(), "action": self.action(), "subject": self.subject(),
                "subject2": self.subject(), "audience": self.audience(), "problem": self.problem(),
                "benefit": self.benefit(), "law": self.law(), "place": f"{r.choice(communes)}, {province.name}",
                "number": r.choice([3, 5, 7, 10, 15, 20, 30, 45, 60, 90]), "year": r.choice([2025, 2026, 2027]),
                "innovation": self.innovation(), "duplicate": False}
        self.recent.append(seed)
        if len(self.recent) > 3000:
            del self.recent[:1000]
        return seed

    def title(self, s):
        r = self.rng
        if s["kind"] in ("initiative", "solution") and r.random() < 0.7:
            word = "Sáng kiến" if s["kind"] == "initiative" else "Giải pháp"
            text = f"{word} {s['innovation']} {s['action']} {s['subject']} {s['audience']}"
        elif r.random() < 0.25:
            text = f"{s['request']} {s['action']} {s['subject']} tại {s['place']}"
        else:
            text = f"{s['request']} {s['action']} {s['subject']} {s['audience']}"
        if s["duplicate"]:  # the same request in other words
            text = text.replace(s["request"], self.request(), 1) if r.random() < 0.5 else f"{text} (gửi lại)"
        return text[0].upper() + text[1:300]

    def content(self, s):
        r = self.rng
        sentences = [
            f"Tôi là {self.role()} tại {s['place']}.",
            f"Hiện nay {s['subject']} {s['problem']}.",
            f"Theo {s['law']}, việc này phải hoàn thành trong {s['number']} ngày làm việc nhưng thực tế "
            f"{self.problem()}.",
            f"{s['request']} {s['action']} {s['subject']} {s['audience']}, {s['benefit']}.",
        ]
        if r.random() < 0.6:
            sentences.append(f"Ngoài ra, đề nghị {self.action()} {s['subject2']} {self.audience()} từ năm {s['year']}.")
        if r.random() < 0.4:
            sentences.append(f"Ở địa phương tôi có khoảng {r.randint(2, 95)}% hồ sơ {s['subject2']} gặp tình trạng "
                             f"{self.problem()}.")
        if r.random() < 0.3:
            sentences.append(f"Kinh nghiệm của {r.choice(self.provinces).name} cho thấy {self.benefit()}.")
        if s["duplicate"]:
            r.shuffle(sentences)
        sentences.append("Trân trọng cảm ơn.")
        return " ".join(sentences)

    def answer(self, s, agency_name):
        outcome = self.rng.choice(ANSWER_OUTCOMES).format(y=s["year"], m=self.rng.randint(1, 12),
                                                           p=s["place"], law=s["law"])
        return (f"{self.rng.choice(ANSWER_OPENINGS)} Về {s['subject']}, {agency_name} {outcome}. "
                f"Căn cứ {s['law']}, cơ quan chúng tôi sẽ tiếp tục theo dõi, {s['benefit']}.")

    def person(self):
        r = self.rng
        return f"{r.choice(FAMILY)} {r.choice(MIDDLE)} {r.choice(GIVEN)}"


def weighted(rng, pairs):
    values, weights = zip(*pairs)
    return rng.choices(values, weights)[0]


class Row:
    """Just enough of a Submission for search.public_text."""

    __slots__ = ("hidden", "confidential", "is_public", "consent_publish", "state", "title", "content",
                 "public_title", "public_content")

    def __init__(self, **values):
        for key, value in values.items():
            setattr(self, key, value)


def db_time(value):
    if value is None or connection.vendor == "postgresql":
        return value
    return str(value.astimezone(UTC).replace(tzinfo=None))


def db_date(value):
    return value if value is None or connection.vendor == "postgresql" else value.isoformat()


def column_defaults(model, given):
    """Database values of the columns the generator does not set (fields other helpers may add)."""
    defaults = {}
    for field in model._meta.concrete_fields:
        if field.column in given or field.primary_key:
            continue
        value = field.get_default()
        defaults[field.column] = field.get_db_prep_save(value, connection) if value is not None else None
    return defaults


SUBMISSION_GIVEN = [
    "id", "code", "year", "number", "access_key_hash", "kind", "field_id", "title", "content", "related_document",
    "language", "submitter_kind", "submitter_name", "submitter_organisation", "address", "phone", "email",
    "citizen_id", "consent_publish", "confidential", "fingerprint", "client_hash", "contact_key", "state", "stage",
    "intake_id", "holder_id", "lead_agency_id", "misroute_count", "stage_started_on", "due_date", "answer_due",
    "received_at", "answered_at", "answered_on_time", "days_to_answer", "published_at", "public_title",
    "public_content", "satisfied", "hidden", "hidden_reason", "search_text", "public_search_text", "pinned"]
ANSWER_GIVEN = ["submission_id", "organisation_id", "version", "text", "public_text", "status", "created_at",
                "approved_at"]


def received_times(rng, count, today):
    """Sorted receipt times, the daily volume growing threefold from START to today."""
    span = (today - START).days
    out = []
    for _ in range(count):
        day = int(span * (rng.random() ** 0.75))  # density grows with time
        out.append(datetime.datetime.combine(START + datetime.timedelta(days=day), datetime.time(0), tzinfo=UTC)
                   + datetime.timedelta(seconds=rng.randint(0, 86_399)))
    out.sort()
    return out


def delete_benchmark(say):
    table = connection.ops.quote_name(Submission._meta.db_table)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {table} WHERE client_hash = %s", [MARK])
        found = cursor.fetchone()[0]
        if not found:
            return
        mine = f"SELECT id FROM {table} WHERE client_hash = %s"
        for model in (Answer,):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)} "
                           f"WHERE submission_id IN ({mine})", [MARK])
        cursor.execute(f"DELETE FROM {table} WHERE client_hash = %s", [MARK])
    say(f"deleted {found:,} earlier benchmark submissions")


def pg_index_sql():
    migration = importlib.import_module("nq57.feedback.migrations.0004_search_order")
    return migration.PG_FORWARD[-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=57)
    parser.add_argument("--today", type=datetime.date.fromisoformat, default=datetime.date(2026, 11, 22))
    parser.add_argument("--replace", action="store_true", help="delete earlier benchmark submissions first")
    args = parser.parse_args()
    started = time.monotonic()

    def say(message):
        print(f"[{time.monotonic() - started:7.1f} s] {message}", flush=True)

    say(f"database: {connection.vendor} ({connection.settings_dict['NAME']})")
    call_command("migrate", interactive=False, verbosity=0)
    if not Organisation.objects.exists():
        from nq57.core import context as write_context

        with write_context.using(source="command", actor_label="bench"):
            call_command("load_org_map", verbosity=0)
    say("migrated; organisation map loaded")
    if Submission.objects.filter(client_hash=MARK).exists():
        if not args.replace:
            sys.exit("Benchmark submissions exist already: run with --replace to generate them again.")
        delete_benchmark(say)

    rng = random.Random(args.seed)
    active = Organisation.objects.active()
    root = Organisation.objects.get(code="BCDTW")
    provinces = list(active.filter(kind__in=["province", "city"]).order_by("code"))
    communes = {}
    for name, parent in active.filter(kind__in=["commune", "ward"]).values_list("name", "parent_id"):
        communes.setdefault(parent, []).append(name)
    ministries = list(active.filter(kind__in=["ministry", "ministerial_agency"]).order_by("code"))
    departments = {d.parent_id: d for d in active.filter(kind="department")}
    fields = list(Field.objects.order_by("sort_order", "pk"))
    say(f"{len(provinces)} provinces, {sum(map(len, communes.values())):,} communes, {len(ministries)} ministries, "
        f"{len(departments)} departments, {len(fields)} fields")
    texts = Texts(rng, provinces, communes)
    province_pick = Picker(rng, provinces, s=0.6)
    ministry_pick = Picker(rng, ministries, s=0.8)
    field_pick = Picker(rng, fields, s=0.8)

    table = connection.ops.quote_name(Submission._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT coalesce(max(id), 0) FROM {table}")
        next_id = cursor.fetchone()[0] + 1
    numbers = {year: last for year, last in CodeSequence.objects.values_list("year", "last")}

    sub_defaults = column_defaults(Submission, SUBMISSION_GIVEN)
    sub_columns = SUBMISSION_GIVEN + list(sub_defaults)
    sub_tail = tuple(sub_defaults.values())
    answer_defaults = column_defaults(Answer, ANSWER_GIVEN)
    answer_columns = ANSWER_GIVEN + list(answer_defaults)
    answer_tail = tuple(answer_defaults.values())
    submissions, answers = Writer(Submission, sub_columns), Writer(Answer, answer_columns)

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("DROP INDEX IF EXISTS feedback_public_fts")
    received = received_times(rng, args.count, args.today)
    say(f"{args.count:,} receipt times drawn; writing")
    end_of_data = datetime.datetime.combine(args.today, datetime.time(0), tzinfo=UTC)
    counts = {"published": 0, "confidential": 0, "hidden": 0, "duplicates": 0}
    sub_rows, answer_rows = [], []
    checked = 0
    for index, received_at in enumerate(received):
        pk = next_id + index
        kind = weighted(rng, KINDS)
        province = province_pick()
        seed = texts.seed(kind, province)
        counts["duplicates"] += seed["duplicate"]
        title, content = texts.title(seed), texts.content(seed)
        name = texts.person()
        phone = f"09{rng.randint(10_000_000, 99_999_999)}"
        email = f"{fast_fold(name).replace(' ', '.')}{rng.randint(1, 999)}@example.vn" if rng.random() < 0.6 else ""
        address = f"{seed['place']}"
        signature = f" Người gửi: {name}, điện thoại {phone}, địa chỉ {address}."
        full_content = content + signature
        confidential = kind in ("initiative", "solution") and rng.random() < 0.1
        consent = rng.random() < 0.4
        year = received_at.year
        numbers[year] = numbers.get(year, 0) + 1
        number = numbers[year]

        answered_days = rng.randint(3, 45)
        published_at = received_at + datetime.timedelta(days=answered_days + rng.randint(1, 5),
                                                         seconds=rng.randint(0, 30_000))
        if rng.random() < 0.66 and not confidential and published_at < end_of_data:
            state = "published" if rng.random() < 0.7 else "closed"
        else:
            state = weighted(rng, UNPUBLISHED)
            published_at = None
            if confidential and state in ("published",):
                state = "answered"
        routed = state not in ("received", "grouped", "referred") and not (
            state == "closed" and published_at is None and rng.random() < 0.5)
        if rng.random() < 0.4:
            lead = ministry_pick()
        else:
            lead = province if rng.random() < 0.55 else departments.get(province.pk, province)
        intake = root if rng.random() < 0.7 else province
        answered = state in ("published", "closed", "answered", "contested") and routed
        answered_at = received_at + datetime.timedelta(days=answered_days) if answered else None
        limit = 20 if kind in ("initiative", "solution") else 15
        hidden = published_at is not None and rng.random() < 0.005
        counts["published"] += published_at is not None and not hidden
        counts["confidential"] += confidential
        counts["hidden"] += hidden
        public_title = title if published_at else ""
        public_content = (content if not consent else full_content) if published_at else ""
        answer_text = texts.answer(seed, lead.name) if answered else ""
        is_public = published_at is not None and state in ("published", "closed") and not hidden
        row = Row(hidden=hidden, confidential=confidential, is_public=is_public, consent_publish=consent,
                  state=state, title=title, content=full_content, public_title=public_title,
                  public_content=public_content)
        if checked < 300:  # the fast folding must agree with the application's
            assert fast_fold(full_content) == fold(full_content), full_content
            assert fast_fold(answer_text) == fold(answer_text), answer_text
            checked += 1
            if checked == 300:
                search.fold = fast_fold  # the same result, 30 times faster: the texts are the same per row
        public = search.public_text(row, answer_text if is_public else "")
        stage = STAGE_OF[state]
        day = (answered_at or received_at).date()
        sub_rows.append((
            pk, f"PAKN-{year}-{number:06d}", year, number, hashlib.sha256(f"{MARK}{pk}".encode()).hexdigest(), kind,
            field_pick().pk, title, full_content, seed["law"] if rng.random() < 0.3 else "", "vi",
            "organisation" if rng.random() < 0.25 else "individual", name, "", address, phone, email,
            f"0{rng.randint(10**10, 10**11 - 1)}" if rng.random() < 0.3 else "", consent, confidential,
            hashlib.sha256(full_content.encode()).hexdigest() if confidential else "", MARK,
            email or phone, state, stage, intake.pk, lead.pk if routed else intake.pk, lead.pk if routed else None,
            1 if rng.random() < 0.04 else 0, db_date(day),
            db_date(day + datetime.timedelta(days=limit)) if state not in ("closed", "published", "referred") else None,
            db_date((received_at + datetime.timedelta(days=limit + 5)).date()) if routed else None,
            db_time(received_at), db_time(answered_at), (answered_days <= limit + 5) if answered else None,
            answered_days if answered else None, db_time(published_at), public_title, public_content,
            (rng.random() < 0.8) if state == "closed" and published_at else None, hidden,
            "Nội dung không phù hợp" if hidden else "", fast_fold(f"{title} {full_content}"), public,
            published_at is not None and rng.random() < 0.001,
        ) + sub_tail)
        if answered:
            answer_rows.append((pk, lead.pk, 1, answer_text, answer_text, "approved", db_time(answered_at),
                                db_time(answered_at)) + answer_tail)
        if len(sub_rows) >= BATCH:
            with transaction.atomic():
                submissions.write(sub_rows)
                answers.write(answer_rows)
            sub_rows, answer_rows = [], []
            if submissions.count % 100_000 == 0:
                say(f"  {submissions.count:,} submissions, {answers.count:,} answers")
    with transaction.atomic():
        submissions.write(sub_rows)
        answers.write(answer_rows)
        for year, last in numbers.items():
            CodeSequence.objects.update_or_create(year=year, defaults={"last": last})
    say(f"{submissions.count:,} submissions ({counts['published']:,} public, {counts['confidential']:,} "
        f"confidential, {counts['hidden']:,} hidden, {counts['duplicates']:,} near-duplicates), "
        f"{answers.count:,} answers")

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"SELECT setval(pg_get_serial_sequence('{Submission._meta.db_table}', 'id'), "
                           f"(SELECT max(id) FROM {table}))")
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute(pg_index_sql())
            say("GIN index created")
    if connection.vendor == "sqlite":
        found = search.rebuild_index(recompute=False)
        say(f"FTS5 index rebuilt: {found:,} submissions searchable by the public")
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    search.clear_caches()
    say(f"done ({'VACUUM ANALYZE' if connection.vendor == 'postgresql' else 'ANALYZE'} run)")


if __name__ == "__main__":
    main()
