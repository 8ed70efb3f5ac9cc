"""The directive as the shared machinery sees it (app/kernel/resources.py): every role sees
directives; documents (the conclusion notice) may be attached to one."""

from __future__ import annotations

from app.access.lifecycle import EDITORS, EVERYONE, Lifecycle, Rule, Transition
from app.core.enums import DirectiveStatus as D
from app.directives import models as dm
from app.directives.models import DIRECTIVES
from app.kernel.resources import ResourceSpec, Section

DIRECTIVE_LIFECYCLE = Lifecycle(
    "directive",
    (
        Transition(dm.IssueDirective, (D.draft,), D.issued, EDITORS),
        Transition(dm.CloseDirective, (D.issued,), D.closed, EDITORS),
        Transition(dm.WithdrawDirective, (D.draft, D.issued), D.withdrawn, EDITORS),
        Transition(dm.ReopenDirective, (D.closed,), D.issued, EDITORS),
    ),
)

DIRECTIVE = ResourceSpec(
    name="directive",
    segment="directives",
    noun_vi="Chỉ đạo",
    table=DIRECTIVES,
    code_prefix="CD",
    attachable=True,
    service="app.directives.service",
    lifecycle=DIRECTIVE_LIFECYCLE,
    permissions={
        "read": EVERYONE,
        **dict.fromkeys(
            ("create", "update", "delete", "restore", "create_tasks", "attach"), Rule(EDITORS)
        ),
        **DIRECTIVE_LIFECYCLE.rules(),
    },
    section=Section(
        "directives",
        "Chỉ đạo, kết luận: what leaders decided",
        ("app.directives.router",),
    ),
)
