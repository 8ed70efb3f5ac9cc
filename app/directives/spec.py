"""The directive as the shared machinery sees it (app/kernel/resources.py): every role sees
directives; documents (the conclusion notice) may be attached to one."""

from __future__ import annotations

from app.directives.models import DIRECTIVES
from app.kernel.resources import ResourceSpec

DIRECTIVE = ResourceSpec(
    name="directive",
    segment="directives",
    noun_vi="Chỉ đạo",
    table=DIRECTIVES,
    code_prefix="CD",
    attachable=True,
)
