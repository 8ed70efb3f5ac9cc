"""The API key as the shared machinery sees it (app/kernel/resources.py): administrators
alone see and keep them."""

from __future__ import annotations

from app.access.lifecycle import ADMIN, Rule
from app.admin.models import API_KEYS
from app.kernel.resources import ResourceSpec, Section

API_KEY = ResourceSpec(
    name="api_key",
    segment="api-keys",
    noun_vi="Khóa API",
    table=API_KEYS,
    permissions=dict.fromkeys(("read", "create", "revoke"), Rule(ADMIN)),
    section=Section("api-keys", "Credentials of other systems (admin)", ("app.admin.router",)),
)

# What is not a resource: the enumerations and the caller; health, readiness and metrics.
META = Section("meta", "Enumerations and the caller", ("app.admin.meta_router",))
OPERATIONS = Section("operations", "Health, readiness, metrics", ("app.admin.ops_router",))
