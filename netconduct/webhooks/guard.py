"""Where an event may be sent: public https addresses only, checked when a subscription is made and again, after
resolving the name, at every send — the connection goes to the very address that was checked, so a name that
resolves elsewhere the second time (DNS rebinding) cannot reach the inside network. Redirects are not followed.

Like the group robots (netconduct.notifications.sending.webhook_url_check), NETCONDUCT_WEBHOOK_ALLOW_LOCAL lets
tests use a server of their own on 127.0.0.1, and nothing else local.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import urllib.parse
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from netconduct.core.exceptions import ApplicationError
from netconduct.notifications.sending import DeliveryError, PermanentDeliveryError

LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
LOCAL_SUFFIXES = (".localhost", ".local", ".internal", ".lan", ".home.arpa", ".intranet")
ANSWER_MAX_BYTES = 65536


def _setting(name: str, default: Any) -> Any:
    return getattr(settings, name, default)


def _local_allowed(parts: urllib.parse.SplitResult) -> bool:
    return (
        bool(_setting("NETCONDUCT_WEBHOOK_ALLOW_LOCAL", False))
        and parts.scheme in ("http", "https")
        and parts.hostname == "127.0.0.1"
    )


def _is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def url_check(url: str) -> str:
    """The cleaned receiving address, or an ApplicationError naming what is wrong with it (in Chinese)."""
    url = (url or "").strip()
    if not url:
        raise ApplicationError(_("请填写接收地址。"), field="url")
    if len(url) > 500:
        raise ApplicationError(_("接收地址过长（最多500个字符）。"), field="url")
    if any(c.isspace() for c in url):
        raise ApplicationError(_("接收地址中不能有空格或换行。"), field="url")
    try:
        parts = urllib.parse.urlsplit(url)
        parts.port  # noqa: B018 (raises ValueError on a port that is not a number)
    except ValueError:
        raise ApplicationError(
            _("接收地址格式不正确，应形如 https://example.com/hooks/netconduct。"), field="url"
        ) from None
    if _local_allowed(parts):
        return url  # tests talk to a server of their own
    if parts.scheme != "https":
        raise ApplicationError(_("接收地址必须以 https:// 开头。"), field="url")
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ApplicationError(_("接收地址缺少主机名。"), field="url")
    if parts.username or parts.password:
        raise ApplicationError(_("接收地址中不能带用户名或密码，请改用签名密钥验证。"), field="url")
    if host in LOCAL_NAMES or host.endswith(LOCAL_SUFFIXES) or "." not in host and ":" not in host:
        raise ApplicationError(
            _("不能推送到本机或内部网络的地址（%(host)s）。") % {"host": host}, field="url"
        )
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None and not _is_public(host):
        raise ApplicationError(
            _("不能推送到本机或内部网络的地址（%(host)s）。") % {"host": host}, field="url"
        )
    return url


def public_address(host: str, port: int) -> str:
    """The address to connect to for `host`: every address it resolves to must be public, or the send is refused."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise DeliveryError(f"无法解析主机名 {host}：{exc}") from None
    addresses = [info[4][0] for info in infos]
    if not addresses:
        raise DeliveryError(f"无法解析主机名 {host}")
    private = [a for a in addresses if not _is_public(a)]
    if private:
        raise PermanentDeliveryError(f"拒绝推送：{host} 指向本机或内部网络地址（{private[0]}）")
    return addresses[0]


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int | None, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the checked address, with the name still used for SNI and the certificate check."""

    def __init__(self, host: str, port: int | None, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST `body` to `url` after the checks above: (status code, the start of the answer). Raises DeliveryError
    when no answer came, PermanentDeliveryError when the address is refused."""
    try:
        url = url_check(url)
    except ApplicationError as exc:
        raise PermanentDeliveryError(exc.message) from None
    parts = urllib.parse.urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    address = "127.0.0.1" if _local_allowed(parts) else public_address(host, port)
    connection_class = _PinnedHTTPSConnection if parts.scheme == "https" else _PinnedHTTPConnection
    timeout = float(_setting("NETCONDUCT_WEBHOOK_TIMEOUT", 5))
    connection = connection_class(host, port, address=address, timeout=timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        return response.status, response.read(ANSWER_MAX_BYTES)
    except (OSError, http.client.HTTPException) as exc:
        raise DeliveryError(f"网络错误：{exc}") from None
    finally:
        connection.close()
