"""The benchmark's data: 60 agencies and N tasks, loaded with set-based SQL into the
project's own schema (migrated with Alembic first)."""

from __future__ import annotations

import time

import asyncpg

TOPICS = [
    "Chuyển đổi số",
    "Bưu chính",
    "Viễn thông",
    "Thương mại điện tử",
    "An toàn thông tin",
    "Hạ tầng số",
    "Dịch vụ công trực tuyến",
    "Báo chí",
    "Kinh tế số",
    "Xã hội số",
    "Đào tạo cán bộ",
    "Trung tâm dữ liệu",
    "Điện toán đám mây",
    "Cải cách hành chính",
    "Phát thanh truyền hình",
    "Quản lý đô thị",
    "Nông nghiệp thông minh",
    "Y tế số",
    "Giáo dục số",
    "Du lịch thông minh",
]
VERBS = [
    "Triển khai",
    "Đẩy mạnh",
    "Hoàn thiện",
    "Nâng cấp",
    "Xây dựng",
    "Rà soát",
    "Tổ chức",
    "Tăng cường",
    "Đánh giá",
    "Kiểm tra",
    "Báo cáo",
    "Tham mưu",
    "Phối hợp",
]
PLACES = [
    "toàn tỉnh",
    "các sở, ngành",
    "cấp huyện",
    "cấp xã",
    "khu công nghiệp",
    "vùng nông thôn",
    "thành phố",
    "các doanh nghiệp",
    "trường học",
    "bệnh viện",
    "trung tâm hành chính công",
]
AGENCY_NAMES = [
    "Sở Thông tin và Truyền thông",
    "Sở Khoa học và Công nghệ",
    "Sở Tài chính",
    "Sở Kế hoạch và Đầu tư",
    "Sở Nội vụ",
    "Sở Giáo dục và Đào tạo",
    "Sở Y tế",
    "Sở Công Thương",
    "Sở Xây dựng",
    "Sở Giao thông vận tải",
]


def _array(values: list[str]) -> str:
    return "ARRAY[" + ",".join("'" + v.replace("'", "''") + "'" for v in values) + "]"


def load_sql(tasks: int) -> list[str]:
    topics, verbs, places, names = (
        _array(TOPICS),
        _array(VERBS),
        _array(PLACES),
        _array(AGENCY_NAMES),
    )
    return [
        f"""
        INSERT INTO agencies (id, code, name, short_name, kind, status, version, created_at, updated_at)
        SELECT gen_random_uuid(), '000.00.' || lpad(i::text, 2, '0') || '.H99',
               ({names})[1 + i % 10] || ' (đơn vị ' || i || ')', 'ĐV ' || i, 'department', 'active', 1,
               now(), now()
        FROM generate_series(1, 60) AS i
        """,
        "CREATE TEMP TABLE bench_agencies AS SELECT row_number() OVER (ORDER BY code) AS n, id FROM agencies",
        f"""
        INSERT INTO tasks (id, code, title, description, year, lead_agency_id, cooperating_agency_ids,
                           assigned_on, due_date, original_due_date, status, completed_on,
                           paused_on, cancelled_on, result,
                           progress_percent, priority, pillar, field, is_key_task, recurrence,
                           requires_confirmation, version, created_at, updated_at)
        SELECT gen_random_uuid(),
               'NV-' || y || '-' || lpad(i::text, 7, '0'),
               ({verbs})[1 + i % 13] || ' ' || lower(({topics})[1 + (i / 13) % 20]) || ' tại ' || ({places})[1 + (i / 7) % 11],
               'Nhiệm vụ số ' || i || ' về ' || lower(({topics})[1 + (i / 3) % 20]),
               y, lead.id,
               CASE WHEN i % 3 = 0 THEN ARRAY[coop.id] ELSE ARRAY[]::uuid[] END,
               assigned, due, due, st,
               CASE WHEN st IN ('completed', 'awaiting_confirmation') THEN assigned + (i % 400) END,
               CASE WHEN st = 'paused' THEN least(assigned + (i % 200), CURRENT_DATE) END,
               CASE WHEN st = 'cancelled' THEN least(assigned + (i % 200), CURRENT_DATE) END,
               CASE WHEN st IN ('completed', 'awaiting_confirmation') THEN 'Đã hoàn thành' END,
               CASE WHEN st = 'completed' THEN 100 ELSE (i * 7) % 100 END,
               (ARRAY['normal','normal','normal','urgent','flash'])[1 + i % 5],
               (ARRAY['digital_government','digital_economy','digital_society','foundation'])[1 + i % 4],
               ({topics})[1 + (i / 3) % 20],
               i % 9 = 0, CASE WHEN i % 20 = 0 THEN 'ongoing' ELSE 'none' END, true, 1,
               now() - make_interval(secs => {tasks} - i), now() - make_interval(secs => {tasks} - i)
        FROM (
            SELECT i,
                   2020 + (i * 7) / ({tasks} + 1) AS y,
                   (ARRAY['new','in_progress','in_progress','in_progress','awaiting_confirmation',
                          'completed','completed','completed','paused','cancelled'])[1 + (i / 11) % 10] AS st,
                   make_date(2020 + (i * 7) / ({tasks} + 1), 1 + i % 12, 1 + i % 28) AS assigned
            FROM generate_series(1, {tasks}) AS i
        ) AS g
        CROSS JOIN LATERAL (SELECT CASE WHEN i % 20 = 0 THEN NULL ELSE assigned + 30 + i % 300 END AS due) AS d
        JOIN bench_agencies AS lead ON lead.n = 1 + i % 60
        JOIN bench_agencies AS coop ON coop.n = 1 + (i + 17) % 60
        """,
        "SELECT setval('code_nv_2026', 9000000)",
        "ANALYZE agencies",
        "ANALYZE tasks",
    ]


async def load(dsn: str, tasks: int) -> float:
    started = time.monotonic()
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("CREATE SEQUENCE IF NOT EXISTS code_nv_2026")
        for statement in load_sql(tasks):
            await conn.execute(statement)
    finally:
        await conn.close()
    return time.monotonic() - started
