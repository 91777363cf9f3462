"""Sign-in through the group's identity platform (OpenID Connect), off unless configured.

The authorization code flow with PKCE (S256), `state` and `nonce`, as a confidential client:

1. `oidc_start` keeps a fresh state, nonce and code verifier in the session and sends the browser to the
   provider's authorization endpoint;
2. the provider sends it back to `oidc_callback` with a code; the state must be the one kept (else refused), the
   code is exchanged at the token endpoint with the client secret and the code verifier, and the ID token is
   checked: signature against the provider's published keys (JWKS), issuer, audience (our client id; `azp` when
   there are several), expiry, and the nonce we kept;
3. the claims (ID token, completed by the userinfo endpoint for the same `sub`) name the person — by employee
   number, else by mobile, never by name; the claim names are settings. Nobody matched is refused with a Chinese
   reason and nothing is made; a matched person without an account gets one (`services.account_open_for_signin`, audited), as
   with the directory sign-in; a person whose status is 调离/退休 is refused by `accounts.signin`, which every
   method goes through and which audits the sign-in (method "oidc").

Logging out of a session that began here also ends the provider's session (RP-initiated logout) when the provider
has an end_session endpoint: `oidc_logout_url` gives the address, with the ID token as hint.

The client is Authlib (`OAuth2Session`: PKCE, client authentication, token request) with joserfc (Authlib's own
successor of `authlib.jose`) for the ID token. mozilla-django-oidc also does PKCE, but it logs people in through its
own authentication backend and callback view, which would bypass `signin_complete`; Authlib gives the protocol
pieces and leaves the sign-in to us.
"""

from __future__ import annotations

import secrets
import time
from typing import TYPE_CHECKING
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.core.checks import Error, Warning, register
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from netconduct.core.crypto import mask_mobile
from netconduct.org.choices import PersonStatus
from netconduct.org.models import Person
from netconduct.org.validation import clean_mobile

from . import signin
from .services import account_open_for_signin

if TYPE_CHECKING:
    from authlib.integrations.requests_client import OAuth2Session
    from joserfc.jwk import KeySet

# requests, Authlib and joserfc are imported by the functions that talk to the provider, not with the module: it is
# imported at every start-up (its settings check, its sign-in method), where they cost half a second.

METHOD = "oidc"
SESSION_FLOW = "nc_oidc_flow"  # state, nonce, code verifier and next address of the sign-in under way
SESSION_ID_TOKEN = "nc_oidc_id_token"  # noqa: S105 - a session key; the ID token is kept for the logout hint
ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"]
FLOW_MAX_AGE = 600  # seconds between leaving for the provider and coming back
LEEWAY = 60  # seconds of clock difference accepted on exp/iat
METADATA_TTL = 3600


class OidcRefused(Exception):
    """The sign-in cannot go on; `message` is the Chinese reason shown to the person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def oidc_enabled() -> bool:
    explicit = (
        settings.OIDC_AUTHORIZATION_ENDPOINT and settings.OIDC_TOKEN_ENDPOINT and settings.OIDC_JWKS_URI
    )
    return bool(settings.OIDC_CLIENT_ID and (settings.OIDC_ISSUER or explicit))


signin.signin_method_register(
    METHOD,
    gettext_lazy("统一身份认证登录"),
    "accounts:oidc_start",
    enabled=oidc_enabled,
    order=20,
)


@register("netconduct")
def oidc_settings_check(app_configs=None, **kwargs) -> list[Error | Warning]:
    """A half-set configuration is an error at start-up (else the button would be missing, or fail every time);
    plain http to a provider that is not on this machine is a warning (codes and tokens would cross in clear)."""
    addresses = {
        name: getattr(settings, name, "")
        for name in (
            "OIDC_ISSUER",
            "OIDC_AUTHORIZATION_ENDPOINT",
            "OIDC_TOKEN_ENDPOINT",
            "OIDC_JWKS_URI",
            "OIDC_USERINFO_ENDPOINT",
            "OIDC_END_SESSION_ENDPOINT",
        )
    }
    client_id = getattr(settings, "OIDC_CLIENT_ID", "")
    if not client_id and not any(addresses.values()):
        return []
    problems: list[Error | Warning] = []
    if not client_id:
        problems.append(
            Error("设置了统一身份认证（OIDC）的地址，但未设置 OIDC_CLIENT_ID。", id="accounts.E101")
        )
    elif not oidc_enabled():
        problems.append(
            Error(
                "设置了 OIDC_CLIENT_ID，但未设置 OIDC_ISSUER，也未同时设置 OIDC_AUTHORIZATION_ENDPOINT、"
                "OIDC_TOKEN_ENDPOINT 和 OIDC_JWKS_URI。",
                id="accounts.E102",
            )
        )
    for name, value in addresses.items():
        parts = urlsplit(value) if value else None
        if parts is not None and parts.scheme not in {"http", "https"}:
            problems.append(Error(f"{name} 应以 https:// 开头（现为 {value!r}）。", id="accounts.E103"))
        elif (
            parts is not None
            and parts.scheme == "http"
            and parts.hostname not in {"127.0.0.1", "localhost", "::1"}
        ):
            problems.append(
                Warning(
                    f"{name} 使用明文 http://，授权码和身份凭证将以明文经过网络。",
                    hint="改用 https:// 地址。",
                    id="accounts.W101",
                )
            )
    return problems


# ---------------------------------------------------------------------------------------------------- provider


def _get_json(url: str) -> dict:
    import requests

    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT, headers={"Accept": "application/json"})
        response.raise_for_status()
        return response.json()
    except (requests.RequestException, ValueError) as exc:
        raise OidcRefused(_("暂时无法连接统一身份认证平台，请稍后再试，或使用账号密码登录。")) from exc


def provider_metadata() -> dict:
    """The provider's endpoints: discovered from OIDC_ISSUER (cached an hour), each overridden by an explicit
    setting when one is given."""
    metadata: dict = {}
    issuer = settings.OIDC_ISSUER.rstrip("/")
    if issuer:
        key = f"oidc:metadata:{issuer}"
        metadata = cache.get(key) or {}
        if not metadata:
            metadata = _get_json(f"{issuer}/.well-known/openid-configuration")
            if metadata.get("issuer", "").rstrip("/") != issuer:
                raise OidcRefused(_("统一身份认证平台的配置与本平台设置的签发者不一致，请联系系统管理员。"))
            cache.set(key, metadata, METADATA_TTL)
    for name, setting in (
        ("authorization_endpoint", settings.OIDC_AUTHORIZATION_ENDPOINT),
        ("token_endpoint", settings.OIDC_TOKEN_ENDPOINT),
        ("jwks_uri", settings.OIDC_JWKS_URI),
        ("userinfo_endpoint", settings.OIDC_USERINFO_ENDPOINT),
        ("end_session_endpoint", settings.OIDC_END_SESSION_ENDPOINT),
    ):
        if setting:
            metadata[name] = setting
    return metadata


def _key_set(jwks_uri: str, *, refresh: bool = False) -> KeySet:
    from joserfc.jwk import KeySet

    key = f"oidc:jwks:{jwks_uri}"
    data = None if refresh else cache.get(key)
    if data is None:
        data = _get_json(jwks_uri)
        cache.set(key, data, METADATA_TTL)
    return KeySet.import_key_set(data)


def _client(redirect_uri: str) -> OAuth2Session:
    from authlib.integrations.requests_client import OAuth2Session

    return OAuth2Session(
        settings.OIDC_CLIENT_ID,
        settings.OIDC_CLIENT_SECRET or None,
        scope=settings.OIDC_SCOPES,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        token_endpoint_auth_method="client_secret_basic" if settings.OIDC_CLIENT_SECRET else "none",
    )


# ---------------------------------------------------------------------------------------------------- flow


def oidc_begin(session, *, redirect_uri: str, next_url: str) -> str:
    """Keep a fresh state, nonce and PKCE verifier in `session`; answer the provider's authorization address."""
    metadata = provider_metadata()
    state, nonce, verifier = (secrets.token_urlsafe(32) for _ in range(3))
    url, _state = _client(redirect_uri).create_authorization_url(
        metadata["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
    )
    session[SESSION_FLOW] = {
        "state": state,
        "nonce": nonce,
        "verifier": verifier,
        "next": next_url,
        "redirect_uri": redirect_uri,
        "at": int(time.time()),
    }
    return url


def oidc_id_token_claims(id_token: str, *, nonce: str, metadata: dict | None = None) -> dict:
    """The claims of an ID token once its signature, issuer, audience, expiry and nonce are right; else OidcRefused."""
    from joserfc import jwt
    from joserfc.errors import JoseError

    metadata = metadata if metadata is not None else provider_metadata()
    refused = OidcRefused(
        _("统一身份认证平台返回的身份凭证未通过校验，不能登录。请重新登录，或联系系统管理员。")
    )
    try:
        try:
            token = jwt.decode(id_token, _key_set(metadata["jwks_uri"]), algorithms=ALGORITHMS)
        except JoseError:
            # the provider may have rotated its keys since we cached them: fetch once more
            token = jwt.decode(id_token, _key_set(metadata["jwks_uri"], refresh=True), algorithms=ALGORITHMS)
        expected = {
            "sub": {"essential": True},
            "exp": {"essential": True},
            "iat": {"essential": True},
            "aud": {"essential": True, "value": settings.OIDC_CLIENT_ID},
            "nonce": {"essential": True, "value": nonce},
        }
        if metadata.get("issuer"):
            expected["iss"] = {"essential": True, "value": metadata["issuer"]}
        jwt.JWTClaimsRegistry(leeway=LEEWAY, **expected).validate(token.claims)
    except (JoseError, ValueError) as exc:
        raise refused from exc
    claims = token.claims
    audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
    if (len(audiences) > 1 or "azp" in claims) and claims.get("azp") != settings.OIDC_CLIENT_ID:
        raise refused
    return claims


def oidc_finish(session, params) -> tuple[dict, str, str]:
    """Check the provider's answer against the flow kept in `session`; answer (claims, id_token, next address).

    The flow is used once: it is removed whether the answer is accepted or not."""
    flow = session.pop(SESSION_FLOW, None)
    if not flow or int(time.time()) - flow.get("at", 0) > FLOW_MAX_AGE:
        raise OidcRefused(_("登录请求已过期或不是从本平台发起的，请重新登录。"))
    if not secrets.compare_digest(str(params.get("state", "")).encode(), flow["state"].encode()):
        raise OidcRefused(_("登录请求的校验码（state）不符，可能不是您本人发起的，请重新登录。"))
    if params.get("error"):
        raise OidcRefused(
            _("统一身份认证平台未完成登录（%(error)s），请重新登录，或使用账号密码登录。")
            % {"error": str(params.get("error_description") or params.get("error"))[:200]}
        )
    issuer = provider_metadata().get("issuer", "")
    if params.get("iss") and issuer and params["iss"].rstrip("/") != issuer.rstrip("/"):  # RFC 9207, mix-up
        raise OidcRefused(_("登录结果来自另一个签发者，不是本平台配置的统一身份认证平台，请重新登录。"))
    if not params.get("code"):
        raise OidcRefused(_("统一身份认证平台没有返回授权码，请重新登录。"))
    import requests

    metadata = provider_metadata()
    client = _client(flow["redirect_uri"])
    try:
        token = client.fetch_token(
            metadata["token_endpoint"],
            grant_type="authorization_code",
            code=params["code"],
            code_verifier=flow["verifier"],
            timeout=settings.OIDC_TIMEOUT,
        )
    except Exception as exc:  # noqa: BLE001 - Authlib raises OAuthError, requests its own; the person sees one reason
        raise OidcRefused(_("向统一身份认证平台换取身份凭证失败，请重新登录。")) from exc
    if not token.get("id_token"):
        raise OidcRefused(_("统一身份认证平台没有返回身份凭证（ID Token），请联系系统管理员。"))
    claims = dict(oidc_id_token_claims(token["id_token"], nonce=flow["nonce"], metadata=metadata))
    if metadata.get("userinfo_endpoint") and token.get("access_token"):
        try:
            response = client.get(metadata["userinfo_endpoint"], timeout=settings.OIDC_TIMEOUT)
            response.raise_for_status()
            userinfo = response.json()
        except (requests.RequestException, ValueError) as exc:
            raise OidcRefused(_("暂时无法从统一身份认证平台读取人员信息，请稍后再试。")) from exc
        if (
            userinfo.get("sub") == claims["sub"]
        ):  # a userinfo answer for someone else is ignored (OIDC Core 5.3.2)
            claims = {**userinfo, **claims}
    return claims, token["id_token"], flow["next"]


# ---------------------------------------------------------------------------------------------------- person


def oidc_person(claims: dict) -> Person:
    """The one person the claims name: by employee number, else by mobile (never by name); OidcRefused otherwise."""
    employee_no = str(claims.get(settings.OIDC_CLAIM_EMPLOYEE_NUMBER) or "").strip()
    raw_mobile = str(claims.get(settings.OIDC_CLAIM_MOBILE) or "").strip()
    people = Person.objects.select_related("unit", "user")
    if employee_no:
        person = people.filter(employee_no=employee_no).first()
        if person is not None:
            return person
    try:
        mobile = clean_mobile(raw_mobile) if raw_mobile else ""
    except Exception:  # noqa: BLE001 - a malformed mobile simply matches nobody
        mobile = ""
    if mobile:
        matches = list(people.filter(mobile=mobile)[:2])
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise OidcRefused(
                _(
                    "统一身份认证账号的手机号对应了多名人员，无法确定是谁。请联系所在支部书记在人员名册中核对。"
                )
            )
    raise OidcRefused(
        _(
            "统一身份认证已通过，但人员名册中没有工号或手机号与之相符的人员（工号：%(no)s，手机号：%(mobile)s），"
            "因此不能登录。请联系所在支部书记核对名册中的工号或手机号。"
        )
        % {"no": employee_no or _("无"), "mobile": mask_mobile(mobile or raw_mobile) or _("无")}
    )


def oidc_user(claims: dict):
    """The account of the person the claims name, opened now if they have none (as the directory sign-in does)."""
    person = oidc_person(claims)
    if person.user is not None:
        return person.user
    if person.status != PersonStatus.ACTIVE:  # left, and never had an account: the sign-in check's words
        raise OidcRefused(signin.signin_person_refusal(person.status))
    return account_open_for_signin(person=person, via=METHOD)


def oidc_logout_url(*, id_token: str, post_logout_redirect_uri: str) -> str:
    """The provider's end_session address for this session (RP-initiated logout), or "" when it has none."""
    if not oidc_enabled():
        return ""
    try:
        endpoint = provider_metadata().get("end_session_endpoint", "")
    except OidcRefused:
        return ""  # the provider is unreachable: the local logout still happens
    if not endpoint:
        return ""
    query = {"client_id": settings.OIDC_CLIENT_ID, "post_logout_redirect_uri": post_logout_redirect_uri}
    if id_token:
        query["id_token_hint"] = id_token
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{urlencode(query)}"
