"""Writes to login accounts: activation slips, redeeming them, password changes, the TOTP second factor.

Nobody sets a password for someone else. A person gets an account, or a new password, only by redeeming a one-time
code from a slip their secretary printed; the clear code and token live on that slip alone (hashes are stored) and
never in the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from netconduct.core.audit import Change, audit_record, audit_record_many
from netconduct.core.exceptions import ApplicationError, PermissionRefused
from netconduct.org import scoping
from netconduct.org import services as org_services
from netconduct.org.choices import PersonStatus
from netconduct.org.models import Person
from netconduct.org.validation import clean_email

from . import selectors
from .models import ActivationCode, User

# No 0/O, 1/I/L: the code is read off paper by people in a hurry.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
# 192 bits: unguessable, and short enough that the QR code on a 97 × 70 mm slip stays coarse for old phone cameras.
TOKEN_BYTES = 24
USER_TYPE = "accounts.user"


@dataclass(frozen=True)
class IssuedSlip:
    """What one printed slip shows. The clear code and token exist only here, in memory, for the sheet."""

    person: Person
    purpose: str
    code: str
    token: str
    expires_at: dt.datetime

    @property
    def code_display(self) -> str:
        return f"{self.code[:4]}-{self.code[4:]}"

    @property
    def employee_no_masked(self) -> str:
        return selectors.mask_employee_no(self.person.employee_no)


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _unit_path(user) -> str:
    person = Person.objects.filter(user=user).select_related("unit").first()
    return person.unit.path if person is not None else ""


def _check_may_reset(actor, user) -> None:
    """A slip hands the account to whoever holds it, so it may not reach above the issuer's own powers (see
    org.services.account_reach_problem: no peer's, no superior's, no inspector's unless a system administrator)."""
    if user.is_superuser and not actor.is_superuser:
        raise PermissionRefused(_("该账号为超级管理员账号，只有超级管理员可以为其重置登录。"))
    problem = org_services.account_reach_problem(actor, [user.pk])
    if problem:
        raise PermissionRefused(problem)


@transaction.atomic
def activation_issue(*, actor, people: Iterable[Person], purpose: str) -> list[IssuedSlip]:
    """Issue one code per person and void their earlier unused ones; one audit event per person.

    Skipped without error: people who are not 在岗, for activation those who already have an account, for a reset
    those who have none. The caller compares what it asked for with what it got.
    """
    if purpose not in ActivationCode.Purpose.values:
        raise ApplicationError(_("用途不正确。"), field="purpose")
    ids = sorted({p.pk for p in people})
    locked = list(
        Person.objects.select_for_update(of=("self",))
        .select_related("unit", "user")
        .filter(pk__in=ids)
        .order_by("unit__path", "name", "pk")
    )
    for person in locked:  # all or nothing: any person outside the scope refuses the whole batch
        scoping.require(actor, selectors.ACTION, person.unit.path)
    if purpose == ActivationCode.Purpose.RESET:
        for person in locked:
            if person.user is not None:
                _check_may_reset(actor, person.user)

    def wanted(person: Person) -> bool:
        if person.status != PersonStatus.ACTIVE:
            return False
        if purpose == ActivationCode.Purpose.ACTIVATE:
            return person.user_id is None
        return person.user is not None and person.user.is_active

    chosen = [p for p in locked if wanted(p)]
    if not chosen:
        return []
    now = timezone.now()
    expires_at = now + dt.timedelta(days=settings.NETCONDUCT_ACTIVATION_VALID_DAYS)
    voided = dict.fromkeys((p.pk for p in chosen), 0)
    for person_id in ActivationCode.objects.filter(
        person__in=chosen, used_at__isnull=True, voided_at__isnull=True
    ).values_list("person_id", flat=True):
        voided[person_id] += 1
    ActivationCode.objects.filter(person__in=chosen, used_at__isnull=True, voided_at__isnull=True).update(
        voided_at=now
    )
    slips: list[IssuedSlip] = []
    rows: list[ActivationCode] = []
    for person in chosen:
        code, token = new_code(), secrets.token_urlsafe(TOKEN_BYTES)
        slips.append(IssuedSlip(person, purpose, code, token, expires_at))
        rows.append(
            ActivationCode(
                person=person,
                purpose=purpose,
                token_hash=selectors.token_hash(token),
                code_hash=selectors.code_hash(person_id=person.pk, code=code),
                created_by=actor,
                expires_at=expires_at,
            )
        )
    ActivationCode.objects.bulk_create(rows)
    issued = {row.person_id: row.pk for row in rows}
    changes = []
    for person in chosen:
        after = {
            "purpose": purpose,
            "person_id": person.pk,
            "activation_code_id": issued[person.pk],
            "expires_at": expires_at,
            "voided_earlier": voided[person.pk],
        }
        if purpose == ActivationCode.Purpose.RESET:
            changes.append(
                Change(
                    "account.reset_issue",
                    USER_TYPE,
                    person.user_id,
                    person.name,
                    person.unit.path,
                    None,
                    after,
                )
            )
        else:
            changes.append(
                Change(
                    "account.activation_issue",
                    "org.person",
                    person.pk,
                    person.name,
                    person.unit.path,
                    None,
                    after,
                )
            )
    audit_record_many(actor=actor, changes=changes)
    return slips


# Django's own Chinese catalogue lacks some validator messages (the minimum length one shows in English), and those
# it has are terse; people setting a password on a phone get these instead, chosen by the validator's error code.
PASSWORD_MESSAGES = {
    "password_too_short": _("密码太短，至少需要{min_length}位。"),
    "password_too_common": _("这个密码太常见，容易被猜到，请换一个。"),
    "password_entirely_numeric": _("密码不能全是数字，请加入字母或符号。"),
    "password_too_similar": _("密码与账号信息太相似，请换一个。"),
}


def password_problems(password: str, user) -> list[str]:
    """What is wrong with `password` for `user` under the configured validators, in Chinese; empty if nothing."""
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        problems = []
        for error in exc.error_list:
            template = PASSWORD_MESSAGES.get(error.code or "")
            problems.append(
                str(template).format(**(error.params or {})) if template else " ".join(error.messages)
            )
        return problems
    return []


def _validate_password(password: str, user) -> None:
    problems = password_problems(password, user)
    if problems:
        raise ApplicationError("".join(problems), field="password")


@transaction.atomic
def account_open_for_signin(*, person: Person, via: str):
    """An account, with no usable password, for a person the directory or a platform (WeCom, DingTalk, OIDC) has
    just vouched for; they sign in through it, or redeem a slip to set a password. Nobody who has left gets one."""
    person = Person.objects.select_for_update(of=("self",)).select_related("unit", "user").get(pk=person.pk)
    if person.user is not None:
        return person.user
    if person.status != PersonStatus.ACTIVE:
        raise ApplicationError(_("%(name)s已不在岗，不能开通账号。") % {"name": person.name})
    User = get_user_model()
    user = User(username=new_username(person), first_name=person.name[:150], email=person.email)
    user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    person.user = user
    person.save(update_fields=["user", "updated_at"])
    audit_record(
        actor=user,
        change=Change(
            "account.open",
            USER_TYPE,
            user.pk,
            person.name,
            person.unit.path,
            None,
            {"username": user.get_username(), "person_id": person.pk, "via": via},
        ),
    )
    return user


def new_username(person: Person) -> str:
    """p<person pk>: nobody types it (people log in with their mobile or employee number)."""
    User = get_user_model()
    base = candidate = f"p{person.pk}"
    n = 1
    # Usernames share one namespace with employee numbers and mobiles (see org.selectors.find_user).
    while (
        User.objects.filter(username=candidate).exists()
        or Person.objects.exclude(pk=person.pk)
        .filter(Q(employee_no=candidate) | Q(mobile=candidate))
        .exists()
    ):
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def prospective_user(person: Person):
    """The account redeeming would create (unsaved), so password validators can compare against it."""
    if person.user is not None:
        return person.user
    return get_user_model()(username=f"p{person.pk}", first_name=person.name)


UNUSABLE = {
    "used": _("该激活码已经使用过。如需重新设置密码，请联系所在支部书记打印“重置登录”单。"),
    "voided": _("该激活码已作废（已为您重新打印了新的激活单），请使用最新的一张。"),
    "expired": _("该激活码已过期，请联系所在支部书记重新打印激活单。"),
    "gone": _("该人员已不在岗，不能开通账号。"),
    "has_account": _(
        "您已经开通了账号，请直接用手机号或工号登录。如忘记密码，请联系支部书记打印“重置登录”单。"
    ),
    "no_account": _("该账号已不存在，请联系所在支部书记重新打印激活单。"),
    "inactive": _("该账号已停用，请联系所在支部书记。"),
}


def activation_problem(code: ActivationCode) -> str | None:
    """Why this code cannot be redeemed now, as a Chinese sentence, or None if it can."""
    person = code.person
    if code.used_at is not None:
        return UNUSABLE["used"]
    if code.voided_at is not None:
        return UNUSABLE["voided"]
    if code.expires_at <= timezone.now():
        return UNUSABLE["expired"]
    if person.status != PersonStatus.ACTIVE:
        return UNUSABLE["gone"]
    if code.purpose == ActivationCode.Purpose.ACTIVATE and person.user_id is not None:
        return UNUSABLE["has_account"]
    if code.purpose == ActivationCode.Purpose.RESET:
        if person.user_id is None:
            return UNUSABLE["no_account"]
        if not person.user.is_active:
            return UNUSABLE["inactive"]
    return None


WRONG_CODE = _("工号/手机号或激活码不正确，请核对激活单后重试。")
TOO_MANY_GUESSES = _(
    "尝试次数过多：同一工号或手机号每小时最多可输错{limit}次。请1小时后再试，或直接用手机扫描激活单上的二维码。"
)
GUESS_LIMIT = 10
GUESS_WINDOW = 60 * 60  # seconds


def _guess_key(identifier: str) -> str:
    """One counter per person the identifier names (however it was typed), else per identifier as typed."""
    people = selectors.people_for_identifier(identifier)
    if people:
        subject = "p:" + ",".join(str(pk) for pk in sorted(p.pk for p in people))
    else:
        subject = "i:" + "".join(
            ch for ch in selectors.normalize_identifier(identifier).lower() if ch.isalnum()
        )
    return "accounts:code-guesses:" + hashlib.sha256(subject.encode()).hexdigest()


def _count_failed_guess(key: str) -> None:
    if not cache.add(key, 1, GUESS_WINDOW):
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, GUESS_WINDOW)


def activation_check(*, identifier: str, code: str) -> ActivationCode:
    """The usable code typed with an employee or mobile number, or ApplicationError saying why not.

    Wrong guesses are counted per identifier in the cache (not the database, so a rollback does not undo them); past
    the limit nothing is checked until the hour is over.
    """
    key = _guess_key(identifier)
    if (cache.get(key) or 0) >= GUESS_LIMIT:
        raise ApplicationError(
            str(TOO_MANY_GUESSES).format(limit=GUESS_LIMIT), field="code", extra={"limited": True}
        )
    found = selectors.activation_code_for_identifier(identifier, code)
    if found is None:
        _count_failed_guess(key)
        raise ApplicationError(WRONG_CODE, field="code")
    problem = activation_problem(found)
    if problem:
        raise ApplicationError(problem)
    return found


@transaction.atomic
def activation_redeem(
    *, token: str | None = None, identifier: str | None = None, code: str | None = None, password: str
):
    """Redeem a slip by its link's token, or by employee/mobile number and the code; set the password.

    Creates the account on activation (linked to the person), or sets the new password on a reset, which also ends
    the account's other sessions (their auth hash no longer matches). Returns the account; the caller logs it in.
    Typed codes count against the guess limit of `activation_check`.
    """
    if token:
        found = selectors.activation_code_for_token(token)
        if found is None:
            raise ApplicationError(_("激活链接无效，请核对或改为输入激活码。"))
    elif identifier and code:
        found = activation_check(identifier=identifier, code=code)
    else:
        raise ApplicationError(_("请提供激活链接或激活码。"))
    activation = ActivationCode.objects.select_for_update().get(pk=found.pk)
    person = (
        Person.objects.select_for_update(of=("self",))
        .select_related("unit", "user")
        .get(pk=activation.person_id)
    )
    activation.person = person
    problem = activation_problem(activation)
    if problem:
        raise ApplicationError(problem)

    now = timezone.now()
    User = get_user_model()
    if activation.purpose == ActivationCode.Purpose.ACTIVATE:
        user = User(username=new_username(person), first_name=person.name[:150], email=person.email)
        _validate_password(password, user)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save()
        person.user = user
        person.save(update_fields=["user", "updated_at"])
        action = "account.activate"
    else:
        user = person.user
        _validate_password(password, user)
        user.set_password(password)
        user.save(update_fields=["password"])
        action = "account.reset"
    activation.used_at = now
    activation.save(update_fields=["used_at"])
    ActivationCode.objects.filter(person=person, used_at__isnull=True, voided_at__isnull=True).update(
        voided_at=now
    )
    # A person who forgot their password has often locked themselves out; the slip is the way back in.
    axes_reset(username=user.get_username())
    audit_record(
        actor=user,
        change=Change(
            action,
            USER_TYPE,
            user.pk,
            person.name,
            person.unit.path,
            None,
            {
                "username": user.get_username(),
                "person_id": person.pk,
                "activation_code_id": activation.pk,
                "via": "link" if token else "code",
            },
        ),
    )
    return user


@transaction.atomic
def password_change(*, actor, user, new_password: str):
    """The account holder sets a new password (the form has checked the old one). Other sessions end."""
    if actor is None or actor.pk != user.pk:
        raise PermissionRefused(_("只能修改自己的密码。"))
    _validate_password(new_password, user)
    user.set_password(new_password)
    user.save(update_fields=["password"])
    audit_record(
        actor=actor,
        change=Change("account.password_change", USER_TYPE, user.pk, str(user), _unit_path(user), None, {}),
    )
    return user


def totp_device_pending(*, actor) -> TOTPDevice:
    """The unconfirmed TOTP device whose QR code the setup page shows, made once.

    Not audited: an unconfirmed device opens nothing; its confirmation is the event that counts.
    """
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).order_by("-pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name="身份验证器", confirmed=False)
    return device


def totp_device_confirm(*, actor, device: TOTPDevice, token: str) -> TOTPDevice:
    """Confirm a new authenticator with a code it shows; only while the account has no confirmed device.

    The code is checked before the transaction opens: a wrong code must still count towards the device's
    throttling, which a rollback would undo.
    """
    if device.user_id != actor.pk or device.confirmed:
        raise PermissionRefused(_("该验证器不属于当前账号。"))
    if not device.verify_token(token):
        raise ApplicationError(_("验证码不正确，请查看身份验证器上当前显示的6位数字后重试。"), field="token")
    with transaction.atomic():
        return _totp_device_confirmed(actor=actor, device=device)


def _totp_device_confirmed(*, actor, device: TOTPDevice) -> TOTPDevice:
    device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
    if TOTPDevice.objects.filter(user=actor, confirmed=True).exists():
        raise ApplicationError(_("您已绑定身份验证器，请直接输入验证码。"))
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=actor, confirmed=False).exclude(pk=device.pk).delete()
    audit_record(
        actor=actor,
        change=Change(
            "account.totp_confirm",
            USER_TYPE,
            actor.pk,
            str(actor),
            _unit_path(actor),
            None,
            {"device_id": device.pk, "device": device.name},
        ),
    )
    return device


@transaction.atomic
def account_reactivate(*, actor, person: Person):
    """Reopen the account of someone who left (调离/退休) and came back. Leaving closes it by itself; coming back
    does not reopen it: a person decides, and answers for it in the audit log. Their roles are not restored."""
    person = Person.objects.select_for_update(of=("self",)).select_related("unit", "user").get(pk=person.pk)
    scoping.require(actor, selectors.ACTION, person.unit.path)
    user = person.user
    if user is None:
        raise ApplicationError(_("该人员还没有账号，请打印激活凭条开通。"))
    if user.is_active:
        raise ApplicationError(_("该账号并未停用。"))
    if person.status != PersonStatus.ACTIVE:
        raise ApplicationError(
            _("该人员状态为“%(status)s”，请先将其状态改为在岗。") % {"status": person.get_status_display()}
        )
    _check_may_reset(actor, user)
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        actor=actor,
        change=Change(
            "account.reactivate",
            USER_TYPE,
            user.pk,
            person.name,
            person.unit.path,
            {"username": user.get_username(), "is_active": False},
            {"username": user.get_username(), "is_active": True},
        ),
    )


# ---------------------------------------------------------------------------------------------------- profile


def language_codes() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


@transaction.atomic
def account_language_set(*, actor, language: str) -> User:
    """The language a person's pages are shown in, kept on their account: it follows them to every browser and is
    applied on every request (accounts.middleware.AccountLanguageMiddleware)."""
    if actor is None or not actor.is_authenticated:
        raise PermissionRefused(_("请先登录。"))
    if language not in language_codes():
        raise ApplicationError(
            _("不支持的语言：%(language)s。") % {"language": language[:20]}, field="language"
        )
    user = get_user_model().objects.select_for_update().get(pk=actor.pk)
    if user.language != language:
        before = {"language": user.language}
        user.language = language
        user.save(update_fields=["language"])
        audit_record(
            actor=actor,
            change=Change(
                "account.language",
                USER_TYPE,
                user.pk,
                user.get_username(),
                "",
                before,
                {"language": language},
            ),
        )
    actor.language = language
    return user


@transaction.atomic
def profile_update(*, actor, email: str, email_notifications: bool) -> User:
    """A person's own address and channels. The address is kept on their Person (the one source the roster and the
    person form also write) and copied to the account, which reminders read."""
    if actor is None or not actor.is_authenticated:
        raise PermissionRefused(_("请先登录。"))
    try:
        email = clean_email(email or "")
    except ValidationError as exc:
        raise ApplicationError("；".join(exc.messages), field="email") from exc
    user = get_user_model().objects.select_for_update().get(pk=actor.pk)
    before = {"email": user.email, "email_notifications": user.email_notifications}
    user.email, user.email_notifications = email, bool(email_notifications)
    user.save(update_fields=["email", "email_notifications"])
    person = Person.objects.filter(user=user).select_related("unit").first()
    if person is not None and person.email != email:
        person.email = email
        person.save(update_fields=["email", "updated_at"])
    after = {"email": user.email, "email_notifications": user.email_notifications}
    if before != after:
        audit_record(
            actor=actor,
            change=Change(
                "account.profile",
                "accounts.user",
                user.pk,
                user.get_username(),
                person.unit.path if person is not None else "",
                before,
                after,
            ),
        )
    return user
