"""The client's address, as far as the deployment lets us know it.

Behind reverse proxies every request comes from the proxy's address, so counting guesses per `REMOTE_ADDR` would
put everyone behind one proxy on one counter (one person's wrong guesses would refuse all the others). The
deployment says how many proxies it runs in front of the application (`NETCONDUCT_TRUSTED_PROXIES`) and which
header they append to (`NETCONDUCT_CLIENT_IP_HEADER`, `X-Forwarded-For` by default). The client is then the address
that the outermost trusted proxy saw: the entry that many places from the right of the header. Entries further left
were written by the client itself and are not trusted. With no trusted proxy, the header is ignored.

The address is only ever used, hashed under a key that lives in the cache for a day, to count attempts.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def _valid(value: str) -> str:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return ""


def client_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    proxies = int(getattr(settings, "NETCONDUCT_TRUSTED_PROXIES", 0) or 0)
    if proxies <= 0:
        return remote
    header = getattr(settings, "NETCONDUCT_CLIENT_IP_HEADER", "X-Forwarded-For") or "X-Forwarded-For"
    meta_key = "HTTP_" + header.upper().replace("-", "_")
    chain = [part for part in request.META.get(meta_key, "").split(",") if part.strip()]
    if not chain:
        return remote
    # The last `proxies` hops appended one entry each; the nearest proxy's own view is REMOTE_ADDR.
    index = max(len(chain) - proxies, 0)
    return _valid(chain[index]) or remote
