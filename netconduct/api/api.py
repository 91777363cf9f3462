"""The REST API, version 1: one NinjaAPI, its error bodies, ETags, and the routers of each domain.

django-ninja was chosen over DRF + drf-spectacular because it emits OpenAPI 3.1 natively from the type hints the
endpoints are written with (the document cannot drift from the code), validates requests with pydantic, and is a
thin layer over plain Django views, so endpoints call the domains' selectors and services like any page does.
"""

from __future__ import annotations

import hashlib

from django.http import Http404, HttpResponse, HttpResponseNotModified
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.renderers import JSONRenderer

from netconduct.core.exceptions import ApplicationError, PermissionRefused

from .auth import KeyAuth
from .errors import ApiError

DESCRIPTION = """网络行为规范管理平台的开放接口（第1版）。

- 认证：系统管理员用 `netconduct api-key create` 或“API密钥”页面签发密钥，请求时放在 `Authorization: Bearer nc_…` 头中。
  每把密钥绑定一个组织（及其全部下级）和若干权限（scope）；范围外的对象一律答 404。
- 错误：所有错误的响应体都是 `{"code": 机器可读代码, "message": 中文说明, "errors": [{"item", "field", "message"}]}`。
- 分页：列表按编号顺序，`limit` 条一页，响应中的 `next_cursor` 作为下一页的 `cursor`；`updated_since` 只取此后变动的记录，用于增量同步。
- 缓存：GET 响应带 `ETag`，带 `If-None-Match` 再次请求而内容未变时答 304。
- 限流：每把密钥每分钟有请求上限，超过答 429。
"""


class Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Chinese messages readable as they are in curl's output


class Api(NinjaAPI):
    def create_response(self, request, data, *, status=None, temporal_response=None) -> HttpResponse:
        response = super().create_response(request, data, status=status, temporal_response=temporal_response)
        return with_etag(request, response)


def with_etag(request, response: HttpResponse) -> HttpResponse:
    """A strong ETag on every successful GET; a matching If-None-Match gets 304 without a body."""
    if request.method != "GET" or response.status_code != 200 or response.streaming:
        return response
    etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"
    asked = [t.strip().removeprefix("W/") for t in request.headers.get("If-None-Match", "").split(",")]
    if etag in asked:
        not_modified = HttpResponseNotModified()
        not_modified["ETag"] = etag
        return not_modified
    return response


api = Api(
    title="网络行为规范管理平台 API",
    version="1",
    description=DESCRIPTION,
    auth=KeyAuth(),
    urls_namespace="api:v1",
    openapi_url="/openapi.json",
    docs_url=None,
    renderer=Renderer(),
)


def _error(request, status: int, body: dict) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(ApiError)
def _api_error(request, exc: ApiError):
    response = _error(request, exc.status, exc.body())
    if exc.status == 429:
        response["Retry-After"] = "60"
    return response


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    response = _error(
        request,
        401,
        {"code": "unauthorized", "message": "缺少API密钥，或密钥无效、已过期、已吊销。", "errors": []},
    )
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(
        request, 404, {"code": "not_found", "message": "对象不存在，或不在密钥的组织范围内。", "errors": []}
    )


@api.exception_handler(PermissionRefused)
def _refused(request, exc: PermissionRefused):
    return _error(request, 403, {"code": "permission_refused", "message": exc.message, "errors": []})


@api.exception_handler(ApplicationError)
def _application_error(request, exc: ApplicationError):
    errors = [{"item": None, "field": exc.field, "message": exc.message}] if exc.field else []
    return _error(request, 422, {"code": "refused", "message": exc.message, "errors": errors})


_PYDANTIC_MESSAGES = {
    "missing": "缺少此字段。",
    "int_parsing": "应为整数。",
    "int_type": "应为整数。",
    "bool_parsing": "应为 true 或 false。",
    "bool_type": "应为 true 或 false。",
    "string_type": "应为字符串。",
    "datetime_parsing": "应为 ISO 8601 格式的时间，如 2026-12-01T08:00:00+08:00。",
    "datetime_from_date_parsing": "应为 ISO 8601 格式的时间，如 2026-12-01T08:00:00+08:00。",
    "datetime_type": "应为 ISO 8601 格式的时间。",
    "literal_error": "取值不在允许的范围内。",
    "enum": "取值不在允许的范围内。",
    "greater_than_equal": "数值太小。",
    "less_than_equal": "数值太大。",
    "greater_than": "数值太小。",
    "less_than": "数值太大。",
    "too_short": "条目太少。",
    "too_long": "条目或文字太长。",
    "string_too_long": "文字太长。",
    "string_too_short": "文字太短。",
    "list_type": "应为数组。",
    "model_type": "应为 JSON 对象。",
    "dict_type": "应为 JSON 对象。",
    "json_invalid": "请求体不是有效的 JSON。",
    "extra_forbidden": "不认识的字段。",
}


def validation_items(errors: list[dict]) -> list[dict]:
    """Pydantic's errors as ours: ("body", "items", 3, "mobile") becomes item 4, field "mobile"."""
    items = []
    for error in errors:
        loc = [
            part
            for part in error.get("loc", ())
            if part not in ("body", "query", "path", "header", "payload")
        ]
        item = None
        if len(loc) >= 2 and loc[0] == "items" and isinstance(loc[1], int):
            item, loc = loc[1] + 1, loc[2:]
        field = ".".join(str(part) for part in loc) or None
        message = _PYDANTIC_MESSAGES.get(error.get("type", ""), "取值无效。")
        if error.get("type") == "value_error":  # our own validators' Chinese message
            message = str(error.get("msg", "")).removeprefix("Value error, ") or message
        items.append({"item": item, "field": field, "message": message})
    return items


@api.exception_handler(NinjaValidationError)
def _invalid(request, exc: NinjaValidationError):
    items = validation_items(exc.errors)
    first = items[0] if items else {"field": None, "message": "请求无效。"}
    where = f"第{first['item']}项的" if first.get("item") else ""
    where += f"“{first['field']}”" if first.get("field") else "请求"
    return _error(request, 422, {"code": "invalid", "message": f"{where}{first['message']}", "errors": items})


@api.exception_handler(HttpError)
def _http_error(request, exc: HttpError):
    if exc.status_code == 400:  # django-ninja could not parse the body: a validation error like any other
        body = {"code": "invalid", "message": "请求体不是有效的 JSON。", "errors": []}
        return _error(request, 422, body)
    return _error(request, exc.status_code, {"code": "error", "message": "请求无效。", "errors": []})


from . import routes_domains, routes_events, routes_org  # noqa: E402  (routers register on `api`)

api.add_router("/", routes_org.router)
api.add_router("/", routes_domains.router)
api.add_router("/", routes_events.router)
