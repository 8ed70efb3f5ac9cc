"""Downloads as operations of their own: `GET /tasks.csv`, `/reports/tasks.xlsx`, … answer what
`Accept: text/csv` (or xlsx) on the JSON operation answers, so that a generated client keeps the
JSON operation typed as JSON and gets the file from an operation typed as binary."""

from __future__ import annotations

import functools
import inspect
from inspect import Parameter
from typing import Annotated, Any, Literal, get_type_hints

from fastapi import APIRouter, Path, Request
from fastapi.responses import Response
from fastapi.routing import APIRoute

from app.api.deps import Endpoint
from app.files import exports

FORMATS = {"csv": exports.CSV, "xlsx": exports.XLSX}
BINARY = {"schema": {"type": "string", "format": "binary"}}
FILE_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {exports.XLSX: BINARY, exports.CSV: BINARY},
        "description": "The file, `Content-Disposition: attachment` with its name.",
    }
}
Format = Annotated[Literal["csv", "xlsx"], Path(alias="format", description="`csv` or `xlsx`.")]


def add_file_route(
    router: APIRouter,
    endpoint: Endpoint,
    *,
    name: str,
    summary: str,
    responses: dict[int | str, dict[str, Any]],
) -> None:
    """Register `<the endpoint's path>.{format}` for `endpoint` (a GET of this router), with the
    same parameters, just before it (so that `/{id}` does not take `<id>.csv`)."""
    position, json_route = next(
        (i, r)
        for i, r in enumerate(router.routes)
        if isinstance(r, APIRoute) and inspect.unwrap(r.endpoint) is endpoint
    )
    hints = get_type_hints(endpoint, include_extras=True)
    own = [
        p.replace(kind=Parameter.KEYWORD_ONLY, annotation=hints.get(p.name, p.annotation))
        for p in inspect.signature(endpoint).parameters.values()
    ]
    request_name = next(p.name for p in own if p.annotation is Request)

    @functools.wraps(endpoint)
    async def run(*, file_format_: str, **kwargs: Any) -> Response:
        kwargs[request_name].scope["dondoc.download"] = FORMATS[file_format_]
        response: Response = await endpoint(**kwargs)
        return response

    run.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [*own, Parameter("file_format_", Parameter.KEYWORD_ONLY, annotation=Format)],
        return_annotation=Response,
    )
    path = json_route.path[len(router.prefix) :] + ".{format}"
    router.add_api_route(
        path,
        run,
        methods=["GET"],
        name=name,
        summary=summary,
        response_class=Response,
        responses={**responses, **FILE_RESPONSE},
    )
    router.routes.insert(position, router.routes.pop())
