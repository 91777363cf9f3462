"""One error body for every failure of the API: a machine code, a Chinese message, and per-item errors for batches."""

from __future__ import annotations

from ninja import Schema


class ErrorItem(Schema):
    item: int | None = None  # the item's number in a batch, from 1
    field: str | None = None  # the field's name as the request writes it
    message: str


class ErrorOut(Schema):
    code: str
    message: str
    errors: list[ErrorItem] = []


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, errors: list[dict] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors or []

    def body(self) -> dict:
        return {"code": self.code, "message": self.message, "errors": self.errors}


def not_found() -> ApiError:
    return ApiError(404, "not_found", "对象不存在，或不在密钥的组织范围内。")


# The errors each kind of operation documents (and the test suite reaches each of them).
AUTH_ERRORS = {401: ErrorOut, 403: ErrorOut, 429: ErrorOut}
READ_ERRORS = {**AUTH_ERRORS, 422: ErrorOut}
OBJECT_ERRORS = {**READ_ERRORS, 404: ErrorOut}
