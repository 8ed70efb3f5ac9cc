"""Documents as a part of the API: what they may be attached to is each resource's spec
(`attachable`, `records`); their routes are one section of their own."""

from __future__ import annotations

from app.kernel.resources import Section

ATTACHMENTS = Section(
    "attachments", "Tệp đính kèm: documents, stored by content", ("app.files.router",)
)
