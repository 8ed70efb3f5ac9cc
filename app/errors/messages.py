"""Vietnamese error messages, for callers sending `Accept-Language: vi` (the office's staff read
them). The English messages stay the source: each translation is a pattern over the English
text, so a message given with numbers or names keeps them. A detail without a translation is
given as the kind's Vietnamese meaning with the English detail after it, never English alone."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from app.errors import problems

# (English pattern, Vietnamese template with {1}, {2}… for the pattern's groups)
_FIELD = (
    (r"Field required", "Trường này là bắt buộc"),
    (r"Extra inputs are not permitted", "Không được gửi trường này"),
    (r"String should have at most (\d+) characters?", "Chuỗi dài tối đa {1} ký tự"),
    (r"String should have at least (\d+) characters?", "Chuỗi phải có ít nhất {1} ký tự"),
    (r"String should match pattern .*", "Sai định dạng"),
    (r"Input should be a valid string", "Phải là chuỗi ký tự"),
    (r"Input should be a valid integer.*", "Phải là số nguyên"),
    (r"Input should be a valid number.*|Input should be a finite number", "Phải là số"),
    (r"Input should be a valid date.*", "Phải là ngày hợp lệ (YYYY-MM-DD)"),
    (r"Input should be a valid datetime.*", "Phải là thời điểm hợp lệ (ISO 8601)"),
    (r"Input should be a valid UUID.*", "Phải là UUID hợp lệ"),
    (r"Input should be a valid boolean.*", "Phải là true hoặc false"),
    (r"Input should be a valid list", "Phải là danh sách"),
    (r"Input should be a valid (dictionary|object).*", "Phải là đối tượng JSON"),
    (r"Input should be greater than or equal to (\S+)", "Phải lớn hơn hoặc bằng {1}"),
    (r"Input should be less than or equal to (\S+)", "Phải nhỏ hơn hoặc bằng {1}"),
    (r"Input should be greater than (\S+)", "Phải lớn hơn {1}"),
    (r"Input should be less than (\S+)", "Phải nhỏ hơn {1}"),
    (r"Input should be (.+)", "Phải là {1}"),
    (r"List should have at most (\d+) items?.*", "Danh sách có tối đa {1} phần tử"),
    (r"List should have at least (\d+) items?.*", "Danh sách phải có ít nhất {1} phần tử"),
    (r"Value error, (.+)", "{1}"),
    (r"not a list of entity tags", "không phải danh sách ETag"),
    (r"unknown parameter", "tham số không được hỗ trợ"),
    (r"must be in the future", "phải là một ngày trong tương lai"),
    (r"must not be in the future|cannot be in the future", "không được là ngày trong tương lai"),
    (r"required", "bắt buộc"),
    (r"cannot be before the task was assigned", "không được trước ngày giao nhiệm vụ"),
    (r"must be after the current due date (\S+)", "phải sau thời hạn hiện tại {1}"),
    (r"is already the deadline", "đã là thời hạn hiện tại"),
    (r"only with an approval", "chỉ đi kèm quyết định phê duyệt"),
    (r"no active agency with id (\S+)", "không có cơ quan đang hoạt động với id {1}"),
    (r"no directive with id (\S+)", "không có văn bản chỉ đạo với id {1}"),
    (r"no proposal with id (\S+)", "không có đề xuất với id {1}"),
    (r"no report snapshot with id (\S+)", "không có báo cáo đã chốt với id {1}"),
    (r"must be the lead or a cooperating agency", "phải là cơ quan chủ trì hoặc phối hợp"),
    (
        r"staff (?:report|request|submit) for their own agency only",
        "cán bộ chỉ thực hiện cho cơ quan của mình",
    ),
    (r"must not be before valid_from", "không được trước valid_from"),
    (r"an agency cannot succeed itself", "cơ quan không thể tự kế thừa chính mình"),
    (r"cannot exceed the (.+) đồng requested", "không được vượt quá {1} đồng đã đề nghị"),
)
_DETAIL = (
    (
        r"The resource has changed \(current version (\d+)\); read it again and retry\.",
        "Tài nguyên đã thay đổi (phiên bản hiện tại {1}); hãy đọc lại rồi thử lại.",
    ),
    (
        r"Send If-Match with the ETag of the version you are changing\.",
        "Hãy gửi If-Match với ETag của phiên bản đang sửa.",
    ),
    (r"Send 'Authorization: Bearer <credential>'\.", "Hãy gửi 'Authorization: Bearer <khóa>'."),
    (r"Invalid or revoked API key\.", "Khóa API không đúng hoặc đã bị thu hồi."),
    (
        r"More than (\d+) requests a minute with this credential\.",
        "Quá {1} yêu cầu mỗi phút với khóa này.",
    ),
    (
        r"Role '([^']+)' may not do this \(allowed: (.+)\)\.",
        "Vai trò '{1}' không được làm thao tác này (được phép: {2}).",
    ),
    (r"The body exceeds (\d+) bytes\.", "Nội dung vượt quá {1} byte."),
    (
        r"A request with this Idempotency-Key is still being processed; retry shortly\.",
        "Một yêu cầu cùng Idempotency-Key đang được xử lý; hãy thử lại sau giây lát.",
    ),
    (r"An agency with code '(.+)' already exists\.", "Đã có cơ quan với mã '{1}'."),
    (r"A directive with code '(.+)' already exists\.", "Đã có văn bản chỉ đạo với mã '{1}'."),
    (r"A proposal with code '(.+)' already exists\.", "Đã có đề xuất với mã '{1}'."),
    (r"A budget request with code '(.+)' already exists\.", "Đã có đề nghị kinh phí với mã '{1}'."),
    (
        r"An extension request is already pending for this task\.",
        "Nhiệm vụ đã có một đề nghị gia hạn đang chờ xử lý.",
    ),
    (r"The task has no deadline to extend\.", "Nhiệm vụ không có thời hạn để gia hạn."),
    (
        r"Give either period or from/to, not both\.",
        "Chỉ dùng period hoặc from/to, không dùng cả hai.",
    ),
    (
        r"Role '([^']+)' may not '([^']+)' this (.+)\.",
        "Vai trò '{1}' không được thực hiện '{2}' với {3} này.",
    ),
    (r"(.+) not found\.?", "Không tìm thấy {1}."),
    (r"No (.+)\.", "Không có {1}."),
)
_COMPILED = {
    "field": [(re.compile(p, re.S), t) for p, t in _FIELD],
    "detail": [(re.compile(p, re.S), t) for p, t in _DETAIL],
}


def _translate(table: str, text: str) -> str | None:
    for pattern, template in _COMPILED[table]:
        found = pattern.fullmatch(text)
        if found:
            groups = [_or(g) for g in found.groups()]
            return template.format(None, *groups)
    return None


def _or(text: str | None) -> str:
    return (text or "").replace(" or ", " hoặc ")


def field_message_vi(message: str) -> str:
    """A field's message in Vietnamese (the English one when no pattern knows it)."""
    return _translate("field", message) or message


def detail_vi(code: str, detail: str) -> str:
    translated = _translate("detail", detail)
    if translated is not None:
        return translated
    kind = problems.BY_CODE.get(code)
    return f"{kind.meaning_vi} ({detail})" if kind is not None else detail


def localised(items: Iterable[dict[str, Any]], vietnamese: bool) -> list[dict[str, Any]]:
    """Field errors with their messages in the caller's language."""
    if not vietnamese:
        return list(items)
    return [{**i, "message": field_message_vi(i["message"])} for i in items]
