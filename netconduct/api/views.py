"""The pages of the API: the API keys page for system administrators, and the documentation of the operations."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from netconduct.core.actions import run_action
from netconduct.core.forms import run_service

from . import selectors, services
from .api import api
from .choices import KeyScope
from .forms import ApiKeyForm


@login_required
def keys(request: HttpRequest) -> HttpResponse:
    """List the keys, and issue one (its clear value is shown on this answer only)."""
    units = selectors.key_units(viewer=request.user)
    if not units.exists():
        raise Http404
    form = ApiKeyForm(request.POST or None, units=units)
    created = clear = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        expires = None
        if data["expires_on"]:
            expires = timezone.make_aware(dt.datetime.combine(data["expires_on"], dt.time(23, 59, 59)))
        outcome = run_service(
            form,
            services.api_key_create,
            actor=request.user,
            name=data["name"],
            unit=data["unit"],
            scopes=data["scopes"],
            expires_at=expires,
            source=data["source"],
        )
        if outcome is not None:
            created, clear = outcome
            form = ApiKeyForm(units=units)
    response = render(
        request,
        "api/keys.html",
        {"form": form, "keys": selectors.key_list(viewer=request.user), "created": created, "clear": clear},
    )
    if clear:
        response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
def key_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    key = get_object_or_404(selectors.key_list(viewer=request.user), pk=pk)
    return run_action(
        request,
        services.api_key_revoke,
        actor=request.user,
        key=key,
        success=gettext("密钥“%(name)s”已吊销。") % {"name": key.name},
        to="api:keys",
    )


def docs(request: HttpRequest) -> HttpResponse:
    """The OpenAPI document as a page: every operation with its parameters, body, answers and scope. Rendered on
    the server from the same document as /api/v1/openapi.json, so it needs no script and obeys the CSP."""
    schema = api.get_openapi_schema()
    components = schema.get("components", {}).get("schemas", {})
    operations = []
    for path, methods in schema["paths"].items():
        for method, op in methods.items():
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            operations.append(
                {
                    "method": method.upper(),
                    "path": path,
                    "tag": (op.get("tags") or [""])[0],
                    "summary": op.get("summary", ""),
                    "description": op.get("description", ""),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": _type_label(p.get("schema", {}), components),
                            "description": p.get("description") or p.get("schema", {}).get("description", ""),
                        }
                        for p in op.get("parameters", [])
                    ],
                    "body": _fields(body, components) if body else [],
                    "responses": [
                        {"status": status, "description": r.get("description", "")}
                        for status, r in op.get("responses", {}).items()
                    ],
                    "scope": _scope_of(op),
                }
            )
    tags: dict[str, list] = {}
    for op in operations:
        tags.setdefault(op["tag"], []).append(op)
    return render(
        request,
        "api/docs.html",
        _translated(
            {
                "info": schema["info"],
                "tags": tags,
                "schemas": _schema_list(components),
                "scopes": KeyScope.choices,
            }
        ),
    )


# The human texts of the OpenAPI document (summaries, descriptions, titles, tags). openapi.json keeps them in Chinese
# for the machines that read it; the page shows them in the reader's language, from the msgids that
# api/docs_strings.py lists for makemessages (`python scripts/i18n.py api-strings` writes it).
_TEXT_KEYS = ("summary", "description", "title", "tag")


def _translated(value):
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if key in _TEXT_KEYS and isinstance(item, str) and item:
                item = gettext(item)
            else:
                item = _translated(item)
            if isinstance(key, str) and key and not key.isascii():  # the tags' names, keys of `tags`
                key = gettext(key)
            out[key] = item
        return out
    if isinstance(value, list | tuple):
        return [_translated(v) for v in value]
    return value


def docs_strings() -> list[str]:
    """Every text of the OpenAPI document that the documentation page translates, in a stable order."""
    found: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in _TEXT_KEYS and isinstance(item, str) and item and not item.isascii():
                    found.add(item)
                elif key == "tags" and isinstance(item, list):
                    found.update(t for t in item if isinstance(t, str) and not t.isascii())
                else:
                    walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    walk(api.get_openapi_schema())
    return sorted(found)


def _ref(schema: dict, components: dict) -> tuple[str, dict]:
    ref = schema.get("$ref", "")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return name, components.get(name, {})
    return "", schema


def _type_label(schema: dict, components: dict) -> str:
    name, target = _ref(schema, components)
    if name:
        return name
    if "anyOf" in schema:
        return " | ".join(_type_label(s, components) for s in schema["anyOf"])
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    if "const" in schema:
        return str(schema["const"])
    if schema.get("type") == "array":
        return f"array[{_type_label(schema.get('items', {}), components)}]"
    kind = schema.get("type", "object")
    return f"{kind} ({schema['format']})" if "format" in schema else kind


def _fields(schema: dict, components: dict) -> list[dict]:
    _name, target = _ref(schema, components)
    required = set(target.get("required", []))
    return [
        {
            "name": name,
            "type": _type_label(prop, components),
            "required": name in required,
            "description": prop.get("description", ""),
        }
        for name, prop in target.get("properties", {}).items()
    ]


def _schema_list(components: dict) -> list[dict]:
    return [
        {"name": name, "fields": _fields({"$ref": f"#/components/schemas/{name}"}, components)}
        for name in sorted(components)
    ]


def _scope_of(op: dict) -> str:
    return op.get("x-scope", "")
