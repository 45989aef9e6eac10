"""Product types: the shipped list, idempotent loading, and reading the type from a free product text."""

import pytest

from nq57.plans.importing import ProductClassifier, classify_product, ensure_product_types
from nq57.plans.models import ProductType

pytestmark = pytest.mark.django_db


@pytest.fixture
def classifier():
    ensure_product_types()
    return ProductClassifier()


# Product texts of Appendix II of Resolution 03/NQ-CP (and a few others) → product type code
PRODUCTS = [
    ("Quyết định của Thủ tướng Chính phủ", "decision"),
    ("Quyết định ban hành Kế hoạch", "decision"),  # the first kind named wins
    ("Quyết định phê duyệt Chương trình được ban hành", "decision"),
    ("Luật của Quốc hội", "law"),
    ("Hồ sơ đề nghị xây dựng Luật của Quốc hội", "law-proposal"),
    ("Đề xuất sửa đổi Luật", "law-proposal"),
    ("Nghị quyết của Quốc hội, Quyết định của Thủ tướng Chính phủ", "resolution"),
    ("Nghị quyết của Chính phủ", "resolution"),
    ("Nghị định của Chính phủ", "decree"),
    ("Đề án", "scheme"),
    ("Đề án/thỏa thuận hợp tác", "scheme"),
    ("Chương trình", "programme"),
    ("Chương trình/Kế hoạch được phê duyệt", "programme"),
    ("Kế hoạch công tác", "plan"),
    ("Nền tảng đào tạo trực tuyến mở đại trà", "platform"),
    ("Cơ sở dữ liệu", "database"),
    ("Hoàn thành các CSDL quốc gia; Các CSDL dùng chung của các bộ, ngành", "database"),
    ("Các Báo cáo thực hiện", "report"),
    ("Báo cáo Thủ tướng Chính phủ", "report"),
    ("Văn bản hướng dẫn", "guidance"),
    ("Văn bản hướng dẫn thực hiện", "guidance"),
    ("Các văn bản pháp luật được ban hành", "regulation"),
    ("Quy định pháp luật liên quan", "regulation"),
    ("Tiêu chuẩn, Quy chuẩn", "standard"),
    ("Chính sách được ban hành", "policy"),
    ("Bộ Chỉ số, Hệ thống thông tin phục vụ chỉ đạo điều hành", "system"),
    ("Giải pháp, công cụ", "system"),
    ("chi thi cua Thu tuong", "directive"),
    ("Thông tư của Bộ trưởng", "circular"),
    ("Chiến lược quốc gia", "strategy"),
    ("A decree of the Government", "decree"),
]


@pytest.mark.parametrize("text, code", PRODUCTS)
def test_it_reads_the_product_type_from_the_text(classifier, text, code):
    assert classifier.classify(text).code == code


@pytest.mark.parametrize("text", ["", "Mạng lưới kết nối", "Ít nhất 10 cơ sở được thành lập", "Các hoạt động hợp tác"])
def test_a_text_naming_no_known_kind_has_no_type(classifier, text):
    assert classifier.classify(text) is None


def test_loading_the_list_twice_creates_it_once_and_keeps_what_users_changed():
    assert ensure_product_types() == ProductType.objects.count() >= 18
    ProductType.objects.filter(code="decision").update(name="Quyết định (sửa)")
    assert ensure_product_types() == 0
    assert ProductType.objects.get(code="decision").name == "Quyết định (sửa)"


def test_a_kind_users_add_with_its_keywords_is_used(classifier):
    ProductType.objects.create(code="event", name="Sự kiện", keywords=["hội nghị", "sự kiện"])
    assert classify_product("Hội nghị toàn quốc về chuyển đổi số").code == "event"
