"""The catalogue of problem kinds: every `code` an error answer can carry, with its status, its
title in English and Vietnamese, and what it means and what to do. A problem's `type` is
`/problems/{code}`, served by the service as a page from this catalogue (GET /problems/{code});
docs/errors.md is generated from it (`python -m app.errors.problems`)."""

from __future__ import annotations

import html
from dataclasses import dataclass


@dataclass(frozen=True)
class Kind:
    code: str
    status: int
    title: str
    title_vi: str
    meaning: str
    meaning_vi: str


KINDS: tuple[Kind, ...] = (
    Kind(
        "bad-request",
        400,
        "Bad request",
        "Yêu cầu không hợp lệ",
        "A query parameter, header or cursor is malformed (`errors` names it); nothing changed.",
        "Tham số truy vấn, tiêu đề hoặc con trỏ phân trang sai định dạng (`errors` chỉ rõ); "
        "không có gì thay đổi.",
    ),
    Kind(
        "malformed-json",
        400,
        "Malformed JSON",
        "JSON sai cú pháp",
        "The body is not valid JSON; nothing changed.",
        "Nội dung gửi lên không phải JSON hợp lệ; không có gì thay đổi.",
    ),
    Kind(
        "unauthorized",
        401,
        "Authentication required",
        "Chưa xác thực",
        "Send `Authorization: Bearer <API key or OIDC token>`; the credential was missing, "
        "unknown, expired or revoked.",
        "Gửi `Authorization: Bearer <khóa API hoặc token OIDC>`; thông tin xác thực bị thiếu, "
        "không đúng, hết hạn hoặc đã bị thu hồi.",
    ),
    Kind(
        "forbidden",
        403,
        "Forbidden",
        "Không có quyền",
        "The caller's role or agency may not do this (docs/permissions.md).",
        "Vai trò hoặc cơ quan của người gọi không được làm thao tác này (docs/permissions.md).",
    ),
    Kind(
        "not-found",
        404,
        "Not found",
        "Không tìm thấy",
        "No such resource, or not visible to the caller.",
        "Không có tài nguyên này, hoặc người gọi không được xem.",
    ),
    Kind(
        "method-not-allowed",
        405,
        "Method not allowed",
        "Phương thức không được hỗ trợ",
        "The path exists but not with this method; `Allow` lists the methods it has.",
        "Đường dẫn có tồn tại nhưng không hỗ trợ phương thức này; tiêu đề `Allow` liệt kê các "
        "phương thức được hỗ trợ.",
    ),
    Kind(
        "not-acceptable",
        406,
        "Not acceptable",
        "Không có định dạng phù hợp",
        "None of the formats in `Accept` is offered here (JSON, CSV or xlsx where listed).",
        "Không định dạng nào trong `Accept` được cung cấp ở đây (JSON, CSV hoặc xlsx nếu có).",
    ),
    Kind(
        "conflict",
        409,
        "Conflict",
        "Xung đột",
        "The request contradicts the resource's current state (a duplicate code, a rule of the "
        "domain); read it again and decide.",
        "Yêu cầu mâu thuẫn với trạng thái hiện tại của tài nguyên (trùng mã, quy tắc nghiệp vụ); "
        "hãy đọc lại và quyết định.",
    ),
    Kind(
        "invalid-transition",
        409,
        "Action not allowed in the current state",
        "Thao tác không được phép ở trạng thái hiện tại",
        "The action is not open from the resource's status; `allowed_actions` lists those that "
        "are.",
        "Thao tác không thực hiện được từ trạng thái hiện tại; `allowed_actions` liệt kê các "
        "thao tác được phép.",
    ),
    Kind(
        "idempotency-in-flight",
        409,
        "Request with this key in progress",
        "Yêu cầu cùng khóa đang được xử lý",
        "A request with the same `Idempotency-Key` is still running; retry shortly and get its "
        "answer.",
        "Một yêu cầu cùng `Idempotency-Key` vẫn đang được xử lý; hãy thử lại sau giây lát để "
        "nhận kết quả của nó.",
    ),
    Kind(
        "precondition-failed",
        412,
        "Precondition failed",
        "Phiên bản đã thay đổi",
        "`If-Match` names another version: someone changed the resource since you read it. "
        "Read it again (`current_version`) and retry.",
        "`If-Match` không khớp phiên bản hiện tại: tài nguyên đã được người khác thay đổi. "
        "Hãy đọc lại (`current_version`) rồi thử lại.",
    ),
    Kind(
        "payload-too-large",
        413,
        "Request body too large",
        "Nội dung yêu cầu quá lớn",
        "The body exceeds the service's limit (`DONDOC_MAX_BODY_BYTES`).",
        "Nội dung gửi lên vượt giới hạn của dịch vụ (`DONDOC_MAX_BODY_BYTES`).",
    ),
    Kind(
        "unsupported-media-type",
        415,
        "Unsupported media type",
        "Kiểu nội dung không được hỗ trợ",
        "Send JSON: `application/json` (or `application/merge-patch+json` for PATCH).",
        "Hãy gửi JSON: `application/json` (hoặc `application/merge-patch+json` với PATCH).",
    ),
    Kind(
        "validation-error",
        422,
        "Validation failed",
        "Dữ liệu không hợp lệ",
        "The body breaks a rule; `errors` lists each field with its message. Nothing changed.",
        "Dữ liệu gửi lên vi phạm quy tắc; `errors` liệt kê từng trường và lý do. Không có gì "
        "thay đổi.",
    ),
    Kind(
        "precondition-required",
        428,
        "If-Match required",
        "Thiếu If-Match",
        "This change needs `If-Match` with the ETag of the version you read.",
        "Thay đổi này cần tiêu đề `If-Match` chứa ETag của phiên bản đã đọc.",
    ),
    Kind(
        "too-many-requests",
        429,
        "Too many requests",
        "Quá nhiều yêu cầu",
        "The credential's requests a minute (or failed sign-ins from the address) passed the "
        "limit; wait `Retry-After` seconds. `RateLimit` tells how much is left.",
        "Số yêu cầu mỗi phút của khóa (hoặc số lần đăng nhập sai từ địa chỉ) vượt giới hạn; "
        "hãy chờ `Retry-After` giây. Tiêu đề `RateLimit` cho biết còn lại bao nhiêu.",
    ),
    Kind(
        "internal-error",
        500,
        "Internal server error",
        "Lỗi hệ thống",
        "Unexpected; nothing was half-done. Quote `request_id` when reporting it.",
        "Lỗi ngoài dự kiến; không có thay đổi dở dang. Hãy gửi kèm `request_id` khi báo lỗi.",
    ),
    Kind(
        "busy",
        503,
        "Service busy",
        "Hệ thống đang bận",
        "Every database connection (or download slot) is in use; retry after `Retry-After`.",
        "Mọi kết nối cơ sở dữ liệu (hoặc lượt tải xuống) đang được dùng; hãy thử lại sau "
        "`Retry-After` giây.",
    ),
    Kind(
        "database-unavailable",
        503,
        "Service unavailable",
        "Dịch vụ tạm ngừng",
        "The database is unreachable; retry after `Retry-After`. Nothing acknowledged is lost.",
        "Không kết nối được cơ sở dữ liệu; hãy thử lại sau `Retry-After` giây. Không dữ liệu "
        "nào đã xác nhận bị mất.",
    ),
    Kind(
        "storage-unavailable",
        503,
        "The attachments' store cannot take files",
        "Kho tệp đính kèm tạm không nhận tệp",
        "The attachments' file system refused the write (read-only, an I/O error, no "
        "permission); nothing of the upload was kept. Retry after `Retry-After`.",
        "Hệ thống tệp của kho đính kèm từ chối ghi (chỉ đọc, lỗi vào/ra, không có quyền); "
        "không tệp nào của lần tải lên được giữ lại. Hãy thử lại sau `Retry-After` giây.",
    ),
    Kind(
        "storage-full",
        507,
        "The attachments' store is full",
        "Kho tệp đính kèm đã đầy",
        "The attachments' store has no room for the upload; nothing of it was kept. The "
        "operator must make room (docs/attachments.md); `/readyz` says so meanwhile.",
        "Kho tệp đính kèm không còn chỗ cho lần tải lên này; không tệp nào được giữ lại. Người "
        "vận hành cần giải phóng dung lượng (docs/attachments.md); `/readyz` báo trong lúc đó.",
    ),
    Kind(
        "not-ready",
        503,
        "Not ready",
        "Chưa sẵn sàng",
        "`/readyz`: the database does not answer or its schema is not at the latest migration.",
        "`/readyz`: cơ sở dữ liệu không phản hồi hoặc lược đồ chưa ở phiên bản mới nhất.",
    ),
)
BY_CODE = {kind.code: kind for kind in KINDS}


def title(code: str, title_en: str, vietnamese: bool) -> str:
    kind = BY_CODE.get(code)
    return kind.title_vi if vietnamese and kind is not None else title_en


def page(kind: Kind) -> str:
    """The page a problem's `type` resolves to."""
    e = html.escape
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{e(kind.title)}'
        f"</title></head><body><h1>{e(kind.title)} ({kind.status})</h1>"
        f"<p><code>code</code>: <code>{kind.code}</code></p><p>{e(kind.meaning)}</p>"
        f'<h2 lang="vi">{e(kind.title_vi)}</h2><p lang="vi">{e(kind.meaning_vi)}</p>'
        '<p>All kinds: <a href="/problems">/problems</a></p></body></html>'
    )


def catalogue_markdown() -> str:
    lines = [
        "# Error catalogue",
        "",
        "Every error is `application/problem+json` (RFC 9457) with `type` (`/problems/{code}`, "
        "served by the service as a page describing the error), `title`, `status`, `detail`, "
        "`instance`, a stable machine `code` and the `request_id` of the request. With "
        "`Accept-Language: vi`, `title`, `detail` and the `errors[].message` of each field are "
        "in Vietnamese. Generated from `app/errors/problems.py` (`python -m app.errors.problems`).",
        "",
        "| code | status | title | tiêu đề | meaning |",
        "|---|---:|---|---|---|",
    ]
    for k in KINDS:
        lines.append(f"| `{k.code}` | {k.status} | {k.title} | {k.title_vi} | {k.meaning} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(catalogue_markdown(), end="")
