"""What each code of an enumeration is called, in Vietnamese and in English: published by
`GET /meta/enums`, and the words of every file and notice the service writes."""

from __future__ import annotations

# code -> (label_vi, label_en), per enum name as published by GET /meta/enums.
LABELS: dict[str, dict[str, tuple[str, str]]] = {
    "role": {
        "admin": ("Quản trị hệ thống", "Administrator"),
        "office": ("Văn phòng UBND", "Committee office"),
        "leader": ("Lãnh đạo UBND", "Committee leader"),
        "finance": ("Sở Tài chính", "Department of Finance"),
        "agency": ("Cán bộ cơ quan, đơn vị", "Agency staff"),
        "viewer": ("Người xem", "Viewer"),
    },
    "agency_kind": {
        "provincial_committee": ("UBND tỉnh", "Provincial People's Committee"),
        "department": ("Sở, ngành", "Department"),
        "board": ("Ban", "Board"),
        "district_committee": ("UBND cấp huyện", "District People's Committee"),
        "commune_committee": ("UBND cấp xã", "Commune People's Committee"),
        "public_service_unit": ("Đơn vị sự nghiệp công lập", "Public service unit"),
        "central_agency": ("Cơ quan Trung ương", "Central agency"),
        "other": ("Khác", "Other"),
        "division": ("Phòng, ban thuộc cơ quan", "Division of an agency"),
    },
    "agency_status": {
        "active": ("Đang hoạt động", "Active"),
        "merged": ("Đã sáp nhập", "Merged"),
        "dissolved": ("Đã giải thể", "Dissolved"),
    },
    "directive_kind": {
        "meeting_conclusion": ("Thông báo kết luận", "Meeting conclusion"),
        "decision": ("Quyết định", "Decision"),
        "official_letter": ("Công văn", "Official letter"),
        "plan": ("Kế hoạch", "Plan"),
        "other": ("Khác", "Other"),
    },
    "directive_status": {
        "draft": ("Dự thảo", "Draft"),
        "issued": ("Đã ban hành", "Issued"),
        "closed": ("Đã kết thúc", "Closed"),
        "withdrawn": ("Đã thu hồi", "Withdrawn"),
    },
    "task_status": {
        "new": ("Mới giao", "New"),
        "in_progress": ("Đang thực hiện", "In progress"),
        "awaiting_confirmation": ("Chờ xác nhận hoàn thành", "Awaiting confirmation"),
        "completed": ("Đã hoàn thành", "Completed"),
        "paused": ("Tạm dừng", "Paused"),
        "cancelled": ("Đã hủy", "Cancelled"),
    },
    "task_priority": {
        "normal": ("Thường", "Normal"),
        "urgent": ("Khẩn", "Urgent"),
        "flash": ("Hỏa tốc", "Flash"),
    },
    "extension_request_status": {
        "pending": ("Chờ quyết định", "Pending"),
        "approved": ("Đã chấp thuận", "Approved"),
        "rejected": ("Không chấp thuận", "Rejected"),
    },
    "deadline_change_kind": {
        "extension": ("Gia hạn theo đề nghị", "Extension on request"),
        "adjustment": ("Điều chỉnh theo quyết định", "Adjustment by decision"),
    },
    "task_pillar": {
        "digital_government": ("Chính quyền số", "Digital government"),
        "digital_economy": ("Kinh tế số", "Digital economy"),
        "digital_society": ("Xã hội số", "Digital society"),
        "foundation": ("Nền tảng", "Foundation"),
    },
    "task_recurrence": {
        "none": ("Nhiệm vụ một lần", "One-off"),
        "ongoing": ("Thường xuyên", "Ongoing"),
    },
    "timeliness": {
        "on_track": ("Đang thực hiện, trong hạn", "Open, on track"),
        "due_soon": ("Sắp đến hạn", "Due soon"),
        "overdue": ("Quá hạn", "Overdue"),
        "no_deadline": ("Không có thời hạn", "No deadline"),
        "completed_on_time": ("Hoàn thành đúng hạn", "Completed on time"),
        "completed_late": ("Hoàn thành quá hạn", "Completed late"),
        "completed_no_deadline": ("Hoàn thành (không thời hạn)", "Completed, no deadline"),
        "awaiting_confirmation": ("Chờ xác nhận hoàn thành", "Awaiting confirmation"),
        "paused": ("Tạm dừng theo chỉ đạo", "Paused by decision"),
    },
    "reminder_kind": {
        "manual": ("Đôn đốc thủ công", "Manual"),
        "due_soon": ("Sắp đến hạn", "Due soon"),
        "overdue": ("Quá hạn", "Overdue"),
    },
    "reminder_channel": {
        "system": ("Trên hệ thống", "In the system"),
        "document": ("Văn bản", "Official document"),
        "sms": ("Tin nhắn SMS", "SMS"),
    },
    "proposal_category": {
        "direction": ("Đề nghị chỉ đạo", "Direction"),
        "policy_approval": ("Xin chủ trương", "Policy approval"),
        "funding": ("Kinh phí", "Funding"),
        "deadline_extension": ("Gia hạn", "Deadline extension"),
        "personnel_training": ("Nhân lực, đào tạo", "Personnel and training"),
        "other": ("Khác", "Other"),
    },
    "proposal_status": {
        "draft": ("Dự thảo", "Draft"),
        "submitted": ("Đã gửi", "Submitted"),
        "under_review": ("Đang xem xét", "Under review"),
        "resolved": ("Đã trả lời", "Resolved"),
        "withdrawn": ("Đã rút", "Withdrawn"),
    },
    "proposal_resolution": {
        "accepted": ("Chấp thuận", "Accepted"),
        "partially_accepted": ("Chấp thuận một phần", "Partially accepted"),
        "rejected": ("Không chấp thuận", "Rejected"),
        "referred": ("Trình cấp có thẩm quyền", "Referred to the competent authority"),
    },
    "expenditure_type": {
        "investment": ("Vốn đầu tư công", "Public investment"),
        "recurrent": ("Chi thường xuyên", "Recurrent spending"),
    },
    "budget_purpose": {
        "capital_shortfall": ("Bổ sung vốn còn thiếu", "Capital shortfall"),
        "expert_hiring": ("Thuê chuyên gia", "Hiring experts"),
        "training": ("Đào tạo, bồi dưỡng", "Training"),
        "operations": ("Duy trì vận hành", "Operations"),
        "equipment": ("Mua sắm trang thiết bị", "Equipment"),
        "other": ("Khác", "Other"),
    },
    "funding_source": {
        "central": ("Ngân sách Trung ương", "Central budget"),
        "provincial": ("Ngân sách tỉnh", "Provincial budget"),
        "other": ("Nguồn khác", "Other source"),
    },
    "budget_request_status": {
        "draft": ("Dự thảo", "Draft"),
        "submitted": ("Đã gửi", "Submitted"),
        "under_appraisal": ("Đang thẩm định", "Under appraisal"),
        "appraised": ("Đã thẩm định", "Appraised"),
        "approved": ("Đã phê duyệt", "Approved"),
        "rejected": ("Không phê duyệt", "Rejected"),
        "returned": ("Trả lại", "Returned"),
        "closed": ("Đã kết thúc", "Closed"),
    },
    "notify_mode": {
        "immediate": ("Gửi ngay", "Immediately"),
        "digest": ("Tổng hợp hằng ngày", "Daily digest"),
        "off": ("Không gửi thư", "No mail"),
    },
    "notice_kind": {
        "assigned": ("Được giao nhiệm vụ", "Assigned"),
        "due_soon": ("Sắp đến hạn", "Due soon"),
        "overdue": ("Quá hạn", "Overdue"),
        "reminded": ("Được đôn đốc", "Reminded"),
        "returned": ("Bị trả lại để hoàn thiện", "Returned for rework"),
        "extension_decided": ("Đã có ý kiến về gia hạn", "Extension decided"),
        "proposal_answered": ("Kiến nghị đã được trả lời", "Proposal answered"),
        "mentioned": ("Được nhắc tên trong ý kiến trao đổi", "Mentioned in a comment"),
    },
    "notice_status": {
        "pending": ("Chờ gửi", "Pending"),
        "sent": ("Đã gửi", "Sent"),
        "failed": ("Gửi không thành công", "Failed"),
    },
}


def enum_catalogue() -> dict[str, list[dict[str, str]]]:
    return {
        name: [{"code": c, "label_vi": vi, "label_en": en} for c, (vi, en) in codes.items()]
        for name, codes in LABELS.items()
    }
