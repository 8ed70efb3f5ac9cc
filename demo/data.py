"""The demo's data: the working session of 28/02/2023 (../shared/seed/) as agencies, the
conclusion's tasks, the department's recommendations and the money they ask for. Declarative
tables only; demo/scenario.py loads them through the services."""

from __future__ import annotations

from datetime import date

from app.core.day import Day
from app.core.enums import AgencyKind, Pillar, ProposalCategory, Recurrence
from app.kernel.schemas import ActionBody
from app.tasks.activity_models import ProgressReportCreate
from app.tasks.transition_models import ConfirmTask, StartTask, SubmitTask

PROVINCE = "000.00.00.H99"

# (code, name, short name, kind, parent code, valid_from, valid_to)
AGENCIES: list[tuple[str, str, str, AgencyKind, str | None, date | None, date | None]] = [
    (
        PROVINCE,
        "Ủy ban nhân dân tỉnh",
        "UBND tỉnh",
        AgencyKind.provincial_committee,
        None,
        None,
        None,
    ),
    (
        "000.00.01.H99",
        "Văn phòng Ủy ban nhân dân tỉnh",
        "VP UBND tỉnh",
        AgencyKind.department,
        PROVINCE,
        None,
        None,
    ),
    (
        "000.00.12.H99",
        "Sở Thông tin và Truyền thông",
        "Sở TT&TT",
        AgencyKind.department,
        PROVINCE,
        None,
        None,
    ),
    (
        "000.00.13.H99",
        "Sở Khoa học và Công nghệ",
        "Sở KH&CN",
        AgencyKind.department,
        PROVINCE,
        None,
        None,
    ),
    ("000.00.05.H99", "Sở Tài chính", "Sở TC", AgencyKind.department, PROVINCE, None, None),
    (
        "000.00.06.H99",
        "Sở Kế hoạch và Đầu tư",
        "Sở KH&ĐT",
        AgencyKind.department,
        PROVINCE,
        None,
        None,
    ),
    ("000.00.04.H99", "Sở Nội vụ", "Sở NV", AgencyKind.department, PROVINCE, None, None),
    ("000.00.07.H99", "Sở Công Thương", "Sở CT", AgencyKind.department, PROVINCE, None, None),
    (
        "000.00.16.H99",
        "Sở Văn hóa, Thể thao và Du lịch",
        "Sở VHTTDL",
        AgencyKind.department,
        PROVINCE,
        None,
        None,
    ),
    (
        "000.01.12.H99",
        "Trung tâm Công nghệ thông tin và Truyền thông",
        "Trung tâm CNTT&TT",
        AgencyKind.public_service_unit,
        "000.00.12.H99",
        None,
        None,
    ),
    ("000.00.30.H99", "Báo tỉnh", "Báo tỉnh", AgencyKind.public_service_unit, PROVINCE, None, None),
    (
        "000.00.31.H99",
        "Đài Phát thanh và Truyền hình tỉnh",
        "Đài PT-TH tỉnh",
        AgencyKind.public_service_unit,
        PROVINCE,
        None,
        None,
    ),
    (
        "000.00.20.H99",
        "Ủy ban nhân dân thành phố (trực thuộc tỉnh)",
        "UBND thành phố",
        AgencyKind.district_committee,
        PROVINCE,
        None,
        None,
    ),
]


ICT = "000.00.12.H99"
SCIENCE = "000.00.13.H99"
INDUSTRY_TRADE = "000.00.07.H99"
CULTURE = "000.00.16.H99"
OFFICE = "000.00.01.H99"
FINANCE = "000.00.05.H99"
PLANNING = "000.00.06.H99"
HOME_AFFAIRS = "000.00.04.H99"
NEWSPAPER = "000.00.30.H99"
BROADCASTER = "000.00.31.H99"
CITY = "000.00.20.H99"

CONTENT = """Thông báo kết luận của đồng chí Nguyễn Văn Chương, Phó Chủ tịch UBND tỉnh tại buổi làm \
việc với Sở Thông tin và Truyền thông ngày 28/02/2023 về công tác triển khai thực hiện các nhiệm \
vụ trọng tâm năm 2023.

Đồng chí Phó Chủ tịch UBND tỉnh ghi nhận và đánh giá cao kết quả đạt được của Sở Thông tin và \
Truyền thông; thống nhất với nhiệm vụ trọng tâm năm 2023 của Sở và đề nghị Sở tiếp tục thực hiện \
các nhiệm vụ đề ra; chuyển đổi số đồng bộ trên phạm vi toàn tỉnh, trên các lĩnh vực ưu tiên, dựa \
trên 3 trụ cột chính quyền số - kinh tế số - xã hội số; hoàn thiện môi trường số an toàn, tiện \
ích; tái cấu trúc hạ tầng công nghệ thông tin thành hạ tầng số ứng dụng điện toán đám mây; phát \
triển mạng lưới bưu chính, chuyển phát, hạ tầng viễn thông; nâng cao chất lượng hoạt động của các \
cơ quan báo chí trên địa bàn tỉnh. Đối với các đề xuất, kiến nghị của Sở, giao các ngành liên quan \
tổng hợp, báo cáo cấp có thẩm quyền xem xét, giải quyết trong thời gian sớm nhất.

Ghi chú dữ liệu minh họa: bài viết nguồn (01/03/2023) không nêu số, ngày ban hành thông báo kết \
luận, thời hạn của các nhiệm vụ và số tiền của các đề nghị kinh phí; số 45/TB-UBND, ngày \
06/03/2023, các thời hạn, các đơn vị phối hợp, kết quả thực hiện, các số tiền, số quyết định và các đơn \
vị dự họp được điền để minh họa."""

ILLUSTRATIVE = "Số tiền, số quyết định và thời hạn là giá trị minh họa (bài viết nguồn không nêu)."
# On every task: what the article does not say about it.
TASK_NOTE = (
    "Nhiệm vụ theo bài viết nguồn (01/03/2023). Thời hạn (ngày làm việc) và đơn vị phối hợp là "
    "giá trị minh họa (bài viết nguồn không nêu)."
)
# Who put the recommendations to the committee, as the article says.
PRESENTED = (
    "Đồng chí Bùi Đức Nam, Giám đốc Sở Thông tin và Truyền thông đề xuất, kiến nghị với UBND "
    "tỉnh tại buổi làm việc ngày 28/02/2023. " + ILLUSTRATIVE
)
DATA_CENTRE_PROJECT = (
    "Dự án Nâng cấp trung tâm tích hợp dữ liệu và số hoá tài liệu các cơ quan Nhà nước"
)
# (title, category) — the five recommendations of the department, in the article's order.
PROPOSALS: list[tuple[str, ProposalCategory]] = [
    (
        "UBND tỉnh quan tâm chỉ đạo các sở, ban, ngành, UBND các huyện đẩy nhanh tiến độ triển khai nhiệm vụ về chuyển đổi số",
        ProposalCategory.direction,
    ),
    (
        "UBND tỉnh cho chủ trương thực hiện một số dự án chuyển đổi số",
        ProposalCategory.policy_approval,
    ),
    (
        f"Cho phép kéo dài thời gian thực hiện thanh toán và bố trí số vốn còn thiếu cho {DATA_CENTRE_PROJECT}",
        ProposalCategory.funding,
    ),
    (
        "Quan tâm cấp kinh phí hàng năm để thuê chuyên gia hỗ trợ duy trì vận hành trung tâm dữ liệu tỉnh",
        ProposalCategory.funding,
    ),
    (
        "Bố trí kinh phí đào tạo, cử cán bộ, công chức tham gia các khoá đào tạo chuyên sâu về an toàn thông tin",
        ProposalCategory.personnel_training,
    ),
]

# (title, lead, cooperating, pillar, field, due date, recurrence) — the department's key tasks
# for 2023, as the article lists them.
KEY_TASKS: list[tuple[str, str, list[str], Pillar, str, date | None, Recurrence]] = [
    (
        "Chỉ đạo các doanh nghiệp bưu chính bảo đảm chất lượng dịch vụ bưu chính",
        ICT,
        [],
        Pillar.digital_economy,
        "Bưu chính",
        date(2023, 12, 29),
        Recurrence.none,
    ),
    (
        "Chủ động tham gia tiếp nhận, giải quyết thủ tục hành chính công qua dịch vụ bưu chính công ích",
        ICT,
        [OFFICE],
        Pillar.digital_government,
        "Cải cách hành chính",
        date(2023, 9, 29),
        Recurrence.none,
    ),
    (
        "Đẩy mạnh các dịch vụ phục vụ hành chính công, thương mại điện tử, logistics, kinh tế số, xã hội số",
        ICT,
        [INDUSTRY_TRADE],
        Pillar.digital_economy,
        "Kinh tế số",
        date(2023, 12, 29),
        Recurrence.none,
    ),
    (
        "Tăng cường quản lý nhà nước về hạ tầng, chất lượng dịch vụ viễn thông, truyền hình",
        ICT,
        [],
        Pillar.foundation,
        "Viễn thông",
        date(2023, 12, 29),
        Recurrence.none,
    ),
    (
        "Tăng cường quản lý thông tin trên mạng xã hội; thực hiện nghiêm quy chế phát ngôn và cung cấp thông tin cho báo chí",
        ICT,
        [NEWSPAPER, BROADCASTER],
        Pillar.digital_society,
        "Thông tin điện tử",
        None,
        Recurrence.ongoing,
    ),
    (
        "Tổ chức triển khai hiệu quả các chỉ thị, nghị quyết, chương trình chuyển đổi số quốc gia và cơ chế, chính sách của Trung ương về chuyển đổi số",
        ICT,
        [OFFICE, CITY],
        Pillar.digital_government,
        "Chuyển đổi số",
        date(2023, 12, 29),
        Recurrence.none,
    ),
    (
        "Xây dựng đội ngũ chuyên gia chuyên sâu công nghệ thông tin, an toàn, an ninh mạng",
        ICT,
        [HOME_AFFAIRS],
        Pillar.foundation,
        "An toàn thông tin",
        date(2023, 12, 29),
        Recurrence.none,
    ),
]
# The instructions of the conclusion itself.
INSTRUCTIONS: list[tuple[str, str, list[str], Pillar, str, date | None, Recurrence]] = [
    (
        "Chuyển đổi số đồng bộ trên phạm vi toàn tỉnh dựa trên 3 trụ cột chính quyền số - kinh tế số - xã hội số",
        ICT,
        [OFFICE, PLANNING, CITY],
        Pillar.digital_government,
        "Chuyển đổi số",
        date(2023, 12, 29),
        Recurrence.none,
    ),
    (
        "Hoàn thiện, phát triển môi trường số an toàn, tiện ích, phục vụ người dân",
        ICT,
        [],
        Pillar.digital_society,
        "Chuyển đổi số",
        None,
        Recurrence.ongoing,
    ),
    (
        "Tái cấu trúc, chuyển đổi hạ tầng công nghệ thông tin thành hạ tầng số ứng dụng điện toán đám mây",
        ICT,
        [FINANCE],
        Pillar.foundation,
        "Hạ tầng số",
        date(2024, 6, 28),
        Recurrence.none,
    ),
    (
        "Phát triển mạng lưới bưu chính, chuyển phát, hạ tầng viễn thông",
        ICT,
        [CITY],
        Pillar.foundation,
        "Viễn thông",
        date(2023, 12, 29),
        Recurrence.none,
    ),
    (
        "Nâng cao chất lượng hoạt động của các cơ quan báo chí; thông tin, tuyên truyền sâu rộng đường lối, chủ trương, chính sách đến người dân",
        ICT,
        [NEWSPAPER, BROADCASTER],
        Pillar.digital_society,
        "Báo chí",
        None,
        Recurrence.ongoing,
    ),
]


# The task that hands each recommendation to the agencies concerned: (proposal, lead,
# cooperating, title).
HANDLING = [
    (
        0,
        OFFICE,
        [],
        "Tổng hợp, tham mưu UBND tỉnh chỉ đạo các sở, ngành, địa phương đẩy nhanh chuyển đổi số",
    ),
    (
        1,
        PLANNING,
        [FINANCE],
        "Tổng hợp, báo cáo cấp có thẩm quyền cho chủ trương các dự án chuyển đổi số",
    ),
    (
        # Public investment planning was led by Planning and Investment in 2023; the People's
        # Council decided extensions of local capital (Public Investment Law 2019, art. 68).
        2,
        PLANNING,
        [FINANCE],
        "Tổng hợp, báo cáo HĐND tỉnh cho phép kéo dài thời gian thực hiện, giải ngân kế hoạch vốn "
        f"năm 2022 và bố trí số vốn còn thiếu của {DATA_CENTRE_PROJECT}",
    ),
    (
        3,
        FINANCE,
        [ICT],
        "Tổng hợp, báo cáo cấp có thẩm quyền về kinh phí thuê chuyên gia vận hành trung tâm dữ liệu tỉnh",
    ),
    (
        4,
        HOME_AFFAIRS,
        [FINANCE, ICT],
        "Tổng hợp, báo cáo cấp có thẩm quyền về kinh phí đào tạo an toàn thông tin",
    ),
]


ISSUED = Day(date(2023, 3, 6), 3)
# The last working day of 2023 (31/12/2023 is a Sunday).
YEAR_END = Day(date(2023, 12, 29), 3)
# Some progress, so that the lists and summaries show every state: (task, the day it was
# reported, action) — each completion submitted on its day.
PROGRESS: tuple[tuple[int, Day, ActionBody], ...] = (
    (0, ISSUED, StartTask(action="start")),
    (1, ISSUED, StartTask(action="start")),
    (
        0,
        Day(date(2023, 11, 20), 3),
        SubmitTask(
            action="submit",
            result="Các doanh nghiệp bưu chính đạt chỉ tiêu chất lượng năm 2023 (kết quả minh họa)",
            completed_on=date(2023, 11, 20),
        ),
    ),
    (0, YEAR_END, ConfirmTask(action="confirm")),
    (
        1,
        Day(date(2023, 10, 12), 3),
        SubmitTask(
            action="submit",
            result="Đã tiếp nhận hồ sơ thủ tục hành chính qua bưu chính công ích (kết quả minh họa)",
            completed_on=date(2023, 10, 12),
        ),
    ),
    (1, YEAR_END, ConfirmTask(action="confirm")),
)
ECONOMY_REPORT = ProgressReportCreate(
    progress_percent=60,
    reported_on=date(2023, 9, 15),
    results="Phối hợp Sở Công Thương triển khai sàn thương mại điện tử của tỉnh (tiến độ và kết "
    "quả minh họa)",
    difficulties="Thiếu nhân lực kinh tế số (minh họa)",
)
