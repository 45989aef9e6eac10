"""Fixed ReportContent objects for the Word and PDF writer tests (no database: the writers only lay out)."""

import datetime

from nq57.reports.content import ReportContent, Section, Table

AGENCIES = ["Sở Khoa học và Công nghệ", "Sở Tài chính", "Sở Nội vụ", "Sở Giáo dục và Đào tạo",
            "Ủy ban nhân dân xã Đồng Đăng", "Sở Thông tin & Truyền thông <cũ>"]


def vietnamese(rows=3):
    """A six-monthly report of Lạng Sơn with every kind of table; `rows` sets the length of the long tables."""
    completed = [
        [i + 1, f"Nhiệm vụ số {i + 1}: số hóa hồ sơ thủ tục hành chính và kết nối dữ liệu dân cư giai đoạn {i % 4 + 1}",
         AGENCIES[i % len(AGENCIES)], datetime.date(2025, 6, 30), datetime.date(2025, 6, (i % 28) + 1), 1000 + i]
        for i in range(rows)
    ]
    overdue = [
        [i + 1, AGENCIES[i % len(AGENCIES)], f"Xây dựng nền tảng dữ liệu số {i + 1}",
         datetime.date(2025, 3, 31), 45 + i, "Chậm bố trí kinh phí; chờ hướng dẫn của Bộ Khoa học và Công nghệ"]
        for i in range(rows)
    ]
    return ReportContent(
        language="vi",
        parent_body="Ban Chỉ đạo Trung ương",
        issuing_body="Văn phòng Thường trực\nBan Chỉ đạo",
        number="15/BC-BCĐ",
        place="Lạng Sơn",
        date=datetime.date(2025, 7, 5),
        title="BÁO CÁO",
        subtitle="Kết quả thực hiện Nghị quyết số 57-NQ/TW 6 tháng đầu năm 2025 của tỉnh Lạng Sơn",
        scope_name="Tỉnh Lạng Sơn",
        period_label="6 tháng đầu năm 2025",
        period_start=datetime.date(2025, 1, 1),
        period_end=datetime.date(2025, 6, 30),
        sections=[
            Section(
                heading="Số liệu tổng hợp",
                paragraphs=["Thực hiện Nghị quyết số 57-NQ/TW ngày 22/12/2024 của Bộ Chính trị về đột phá phát triển "
                            "khoa học, công nghệ, đổi mới sáng tạo và chuyển đổi số quốc gia, tỉnh Lạng Sơn báo cáo "
                            "kết quả như sau.",
                            "Tỷ lệ hoàn thành đúng hạn đạt 87,5% (so với 80,0% kỳ trước)."],
                tables=[Table(key="summary", title="Bảng 1. Số liệu tổng hợp",
                              columns=["Chỉ tiêu", "Kỳ này", "Kỳ trước", "Thay đổi"],
                              rows=[["Nhiệm vụ được giao", 1234, 1100, 134],
                                    ["Tỷ lệ hoàn thành đúng hạn (%)", 87.5, 80.0, 7.5],
                                    ["Nhiệm vụ quá hạn", 12, 20, -8]],
                              number_columns=(1, 2, 3),
                              note="Tỷ lệ hoàn thành đúng hạn = nhiệm vụ hoàn thành đúng hạn ÷ nhiệm vụ đến hạn.")],
            ),
            Section(heading="Nhiệm vụ đã hoàn thành", tables=[Table(
                key="completed", title="Bảng 2. Nhiệm vụ đã hoàn thành",
                columns=["STT", "Nhiệm vụ", "Cơ quan chủ trì", "Thời hạn", "Ngày hoàn thành", "Mã"],
                rows=completed, number_columns=(0, 5))]),
            Section(heading="Nhiệm vụ quá hạn theo cơ quan chủ trì", tables=[Table(
                key="overdue", title="Bảng 3. Nhiệm vụ quá hạn",
                columns=["STT", "Cơ quan chủ trì", "Nhiệm vụ", "Thời hạn", "Số ngày quá hạn", "Lý do"],
                rows=overdue, number_columns=(0, 4), note="Lý do do cơ quan chủ trì báo cáo.")]),
            Section(heading="Chỉ tiêu chưa đạt tiến độ", tables=[Table(
                key="indicators", title="Bảng 4. Chỉ tiêu chưa đạt tiến độ",
                columns=["Chỉ tiêu", "Mục tiêu", "Thực hiện", "Mức đạt (%)", "Đánh giá"],
                rows=[["Tỷ lệ hồ sơ trực tuyến toàn trình", 80, 61.25, 76.56, "Đỏ"],
                      ["Chi cho khoa học và công nghệ / GRDP", 2, 1.1, 55, "Vàng"]],
                number_columns=(1, 2, 3))]),
            Section(heading="Khó khăn, vướng mắc và kiến nghị", paragraphs=["Các kiến nghị đã được trả lời."],
                    tables=[Table(key="recommendations", title="Bảng 5. Kiến nghị",
                                  columns=["Kiến nghị", "Cơ quan nhận", "Trả lời"],
                                  rows=[["Bổ sung kinh phí chuyển đổi số cấp xã", "Bộ Tài chính",
                                         "Đã bố trí trong dự toán năm 2026"]])]),
            Section(heading="Phản ánh, kiến nghị của người dân", tables=[Table(
                key="feedback", title="Bảng 6. Thống kê phản ánh",
                columns=["Cơ quan", "Tiếp nhận", "Đã trả lời", "Trả lời đúng hạn (%)"],
                rows=[["Sở Khoa học và Công nghệ", 240, 230, 95.83], ["Sở Tài chính", 18, 18, 100.0]],
                number_columns=(1, 2, 3))]),
            Section(heading="Thay đổi so với kỳ trước", tables=[Table(
                key="change", title="Bảng 7. So sánh với kỳ trước",
                columns=["Chỉ tiêu", "6 tháng cuối năm 2024", "6 tháng đầu năm 2025"],
                rows=[["Nhiệm vụ hoàn thành", 410, 512], ["Chỉ tiêu đạt", None, 14]],
                number_columns=(1, 2))]),
        ],
        recipients=["Ban Chỉ đạo Trung ương (để b/c)", "Bộ Khoa học và Công nghệ;", "- Thường trực Tỉnh ủy"],
        signer_title="TM. Ban Chỉ đạo\nTrưởng ban",
        signer_name="Nguyễn Văn An",
        figures={"current": {"tasks": 1234}, "previous": {"tasks": 1100}},
    )


def english(rows=3):
    """The same report in English."""
    content = vietnamese(rows)
    content.language = "en"
    content.parent_body = "Central Steering Committee"
    content.issuing_body = "Standing Office"
    content.place = "Lang Son"
    content.date = datetime.date(2025, 2, 3)
    content.title = "REPORT"
    content.subtitle = "Implementation of Resolution 57-NQ/TW in the first half of 2025"
    content.sections[0].heading = "Summary figures"
    content.sections[0].tables[0].columns = ["Measure", "This period", "Previous period", "Change"]
    content.recipients = ["Central Steering Committee"]
    content.signer_title = "On behalf of the Steering Committee\nHead"
    return content
