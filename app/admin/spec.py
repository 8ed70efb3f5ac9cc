"""The API key as the shared machinery sees it (app/kernel/resources.py): administrators
alone see and keep them."""

from __future__ import annotations

from app.access.lifecycle import ADMIN, Rule
from app.admin.models import API_KEYS
from app.kernel.resources import ResourceSpec

API_KEY = ResourceSpec(
    name="api_key",
    segment="api-keys",
    noun_vi="Khóa API",
    table=API_KEYS,
    permissions=dict.fromkeys(("read", "create", "revoke"), Rule(ADMIN)),
)
