"""Logging in and out, the TOTP second factor, password change, and activation slips from issue to redemption."""

from __future__ import annotations

import base64
from functools import wraps
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import authenticate, update_session_auth_hash
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.decorators import method_decorator
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import devices_for_user, user_has_device
from django_otp import login as otp_login

from netconduct.core.actions import run_action
from netconduct.core.exceptions import ApplicationError
from netconduct.core.forms import run_service
from netconduct.core.links import absolute_url
from netconduct.org import scoping

from . import forms, ldap, oidc, selectors, services, signin
from .middleware import needs_second_factor, set_language_cookie
from .models import ActivationCode

BACKEND = "netconduct.accounts.backends.IdentifierBackend"
SLIPS_PER_PAGE = 8  # 2 × 4 on A4, each slip 97 × 70 mm

# ---------------------------------------------------------------------------------------------------- helpers


def _next_url(request: HttpRequest, default: str = "home") -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return resolve_url(default)


def _with_next(name: str, next_url: str) -> str:
    return f"{reverse(name)}?{urlencode({'next': next_url})}"


def second_factor_required(view):
    """Login, and for system administrators a verified TOTP device.

    The middleware exempts every /accounts/ page (so that login and the TOTP pages work); the staff pages living
    here are guarded by this instead.
    """

    @wraps(view)
    @login_required
    def wrapped(request, *args, **kwargs):
        if needs_second_factor(request.user) and not request.user.is_verified():
            return redirect(_with_next("accounts:otp", request.get_full_path()))
        return view(request, *args, **kwargs)

    return wrapped


def _private(response: HttpResponse) -> HttpResponse:
    """Pages that carry a token or a clear code: not cached, and the URL (with its token) sent to no other site.

    Not "no-referrer": browsers then send `Origin: null` with the page's own form, which the CSRF check refuses.
    """
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "same-origin"
    return response


# ---------------------------------------------------------------------------------------------------- login


class LoginView(auth_views.LoginView):
    form_class = forms.LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "other_methods": signin.signin_methods_enabled()}

    def form_valid(self, form):
        user = form.get_user()
        try:
            url = signin.signin_complete(
                self.request, user, method=signin.LOCAL, backend=BACKEND, next_url=self.get_success_url()
            )
        except signin.SigninRefused as exc:
            form.add_error(None, exc.message)
            return self.form_invalid(form)
        return redirect(url)


@never_cache
@sensitive_post_parameters("password")
@require_http_methods(["GET", "POST"])
def login_ldap(request: HttpRequest) -> HttpResponse:
    """Sign in with the organisation's directory account (LDAP / AD); 404 while it is not configured."""
    if not ldap.ldap_enabled():
        raise Http404
    next_url = _next_url(request)
    if request.user.is_authenticated:
        return redirect(next_url)
    form = forms.DirectoryLoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = authenticate(
            request,
            username=form.cleaned_data["username"],
            password=form.cleaned_data["password"],
            signin_via=ldap.METHOD,
        )
        if (
            user is None
        ):  # when axes has locked the name, its middleware replaces this page with the lockout one
            form.add_error(
                None,
                getattr(request, "nc_signin_refusal", None)
                or _("目录账号或密码不正确，或该账号已被目录锁定。连续输错5次，将被暂时锁定。"),
            )
        else:
            try:
                return redirect(
                    signin.signin_complete(
                        request, user, method=ldap.METHOD, backend=ldap.BACKEND, next_url=next_url
                    )
                )
            except signin.SigninRefused as exc:
                form.add_error(None, exc.message)
    context = {"form": form, "next": next_url, "label": signin.signin_method_label(ldap.METHOD)}
    return render(request, "accounts/login_ldap.html", context)


class LogoutView(auth_views.LogoutView):
    next_page = "accounts:login"

    def post(self, request, *args, **kwargs):
        # A session that began at the identity platform ends there too (RP-initiated logout, accounts/oidc.py).
        provider_logout = ""
        if signin.signin_method_of(request) == oidc.METHOD:
            back = reverse(self.next_page)
            provider_logout = oidc.oidc_logout_url(
                id_token=request.session.get(oidc.SESSION_ID_TOKEN, ""),
                post_logout_redirect_uri=absolute_url(back) or request.build_absolute_uri(back),
            )
        response = super().post(request, *args, **kwargs)
        return redirect(provider_logout) if provider_logout else response


@method_decorator(never_cache, name="dispatch")
class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = forms.PasswordChangeForm
    template_name = "accounts/password_change.html"

    @method_decorator(second_factor_required)
    def dispatch(self, *args, **kwargs):
        return super().dispatch(*args, **kwargs)

    def form_valid(self, form):
        user = services.password_change(
            actor=self.request.user, user=form.user, new_password=form.cleaned_data["new_password2"]
        )
        update_session_auth_hash(self.request, user)
        messages.success(self.request, _("密码已修改。其他设备上的登录已失效。"))
        return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest) -> HttpResponse:
    """The person's own address and the channels they are reminded through."""
    user = request.user
    form = forms.ProfileForm(
        request.POST or None, initial={"email": user.email, "email_notifications": user.email_notifications}
    )
    if request.method == "POST" and form.is_valid():
        done = run_service(
            form,
            services.profile_update,
            actor=user,
            email=form.cleaned_data["email"],
            email_notifications=form.cleaned_data["email_notifications"],
        )
        if done is not None:
            messages.success(request, _("设置已保存。"))
            return redirect("accounts:profile")
    return _private(render(request, "accounts/profile.html", {"form": form}))


@require_POST
def language(request: HttpRequest) -> HttpResponse:
    """The language switch of every page: kept on the account of a signed-in person (so it follows them to any
    browser) and in a cookie for everyone, then back to the page it was pressed on."""
    code = request.POST.get("language", "")
    next_url = _next_url(request)
    if not next_url.startswith(
        "/"
    ):  # a path of this site only (redirect() would try a bare word as a view name)
        next_url = resolve_url("home")
    if code not in services.language_codes():
        return HttpResponseRedirect(next_url)
    if request.user.is_authenticated:
        services.account_language_set(actor=request.user, language=code)
    translation.activate(code)
    return set_language_cookie(HttpResponseRedirect(next_url), code)


# ---------------------------------------------------------------------------------------------------- TOTP


def _qr_svg(data: str) -> str:
    return segno.make(data, error="m").svg_inline(scale=1, border=2, omitsize=True, dark="#111")


@never_cache
@login_required
def otp_verify(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    user = request.user
    if user.is_verified():
        return redirect(next_url)
    devices = list(devices_for_user(user, confirmed=True))
    if not devices:
        if needs_second_factor(user):
            return redirect(_with_next("accounts:otp_setup", next_url))
        return redirect(next_url)
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["token"]
        checks = [(d, d.verify_is_allowed()) for d in devices]
        allowed = [d for d, (ok, _detail) in checks if ok]
        device = next((d for d in allowed if d.verify_token(token)), None)
        if device is not None:
            otp_login(request, device)
            return redirect(next_url)
        if not allowed:
            waits = [detail.get("locked_until") for _d, (_ok, detail) in checks if detail]
            until = min((w for w in waits if w), default=None)
            seconds = max(1, int((until - timezone.now()).total_seconds()) + 1) if until else 1
            form.add_error("token", _("输错后需稍候再试：请在 %(n)d 秒后重新输入。") % {"n": seconds})
        else:
            form.add_error("token", _("验证码不正确或已过期，请输入身份验证器上当前显示的6位数字。"))
    return render(request, "accounts/otp.html", {"form": form, "next": next_url})


@never_cache
@login_required
def otp_setup(request: HttpRequest) -> HttpResponse:
    next_url = _next_url(request)
    user = request.user
    if user_has_device(user, confirmed=True):
        # Adding a second device must not be open to whoever only knows the password.
        return redirect(_with_next("accounts:otp", next_url))
    if not needs_second_factor(user):
        return redirect(next_url)
    device = services.totp_device_pending(actor=user)
    form = forms.TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = services.totp_device_confirm(actor=user, device=device, token=form.cleaned_data["token"])
        except ApplicationError as exc:
            form.add_error("token", exc.message)
        else:
            otp_login(request, device)
            messages.success(request, _("身份验证器已绑定。以后登录时请输入其上显示的验证码。"))
            return redirect(next_url)
    secret = base64.b32encode(device.bin_key).decode()
    context = {
        "form": form,
        "next": next_url,
        "qr_svg": _qr_svg(device.config_url),
        "secret_groups": [secret[i : i + 4] for i in range(0, len(secret), 4)],
    }
    return _private(render(request, "accounts/otp_setup.html", context))


# ---------------------------------------------------------------------------------------------------- issuing


def _require_any_scope(user) -> None:
    if not scoping.has_any(user, selectors.ACTION):
        raise Http404


@second_factor_required
def activation_units(request: HttpRequest) -> HttpResponse:
    _require_any_scope(request.user)
    rows = selectors.activation_unit_list(viewer=request.user)
    totals = {
        "people": sum(r.people for r in rows if r.depth == 0),
        "with_account": sum(r.with_account for r in rows if r.depth == 0),
    }
    totals["without_account"] = totals["people"] - totals["with_account"]
    return render(request, "accounts/activation_units.html", {"rows": rows, "totals": totals})


def _sheet_context(request: HttpRequest, slips: list[services.IssuedSlip], *, title: str, back: str) -> dict:
    # Slips are printed and scanned by phones: the public address (SITE_URL), not whatever host the secretary's
    # browser used (often 127.0.0.1 or an internal name); the request's host only where none is configured.
    def public(path: str) -> str:
        return absolute_url(path) or request.build_absolute_uri(path)

    code_url = public(reverse("accounts:activate_code"))
    items = []
    for slip in slips:
        link = public(reverse("accounts:activate", args=[slip.token]))
        items.append({"slip": slip, "qr_svg": _qr_svg(link)})
    pages = [items[i : i + SLIPS_PER_PAGE] for i in range(0, len(items), SLIPS_PER_PAGE)]
    return {"slips": items, "pages": pages, "code_url": code_url, "title": title, "back": back}


@never_cache
@second_factor_required
@require_http_methods(["GET", "POST"])
def activation_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    _require_any_scope(request.user)
    unit = selectors.activation_unit_get_for(viewer=request.user, pk=pk)
    without = selectors.unit_people_without_account(viewer=request.user, unit=unit)
    form = forms.SheetForm(request.POST or None, people=without)
    if request.method == "POST" and form.is_valid():
        chosen = form.chosen()
        try:
            slips = services.activation_issue(
                actor=request.user, people=chosen, purpose=ActivationCode.Purpose.ACTIVATE
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("accounts:activation_sheet", pk=unit.pk)
        if not slips:
            messages.warning(request, _("所选人员都已开通账号或已不在岗，没有需要打印的激活单。"))
            return redirect("accounts:activation_sheet", pk=unit.pk)
        context = _sheet_context(
            request,
            slips,
            title=_("%(unit)s 账号开通单") % {"unit": unit.name},
            back=reverse("accounts:activation_sheet", args=[unit.pk]),
        )
        context.update(unit=unit, skipped=len(chosen) - len(slips))
        return _private(render(request, "accounts/sheet.html", context))
    context = {
        "unit": unit,
        "form": form,
        "without": without,
        "with_account": selectors.unit_people_with_account(viewer=request.user, unit=unit),
    }
    return render(request, "accounts/activation_form.html", context)


@never_cache
@second_factor_required
@require_http_methods(["GET", "POST"])
def person_reset(request: HttpRequest, pk: int) -> HttpResponse:
    _require_any_scope(request.user)
    person = selectors.activation_person_get_for(viewer=request.user, pk=pk)
    back = reverse("accounts:activation_sheet", args=[person.unit_id])
    if request.method == "POST":
        try:
            slips = services.activation_issue(
                actor=request.user, people=[person], purpose=ActivationCode.Purpose.RESET
            )
        except ApplicationError as exc:
            messages.error(request, exc.message)
            return redirect("accounts:person_reset", pk=person.pk)
        if not slips:
            messages.error(request, _("该人员尚未开通账号、账号已停用或已不在岗，不能打印重置单。"))
            return redirect("accounts:person_reset", pk=person.pk)
        context = _sheet_context(
            request, slips, title=_("%(name)s 重置登录单") % {"name": person.name}, back=back
        )
        context.update(unit=person.unit, skipped=0)
        return _private(render(request, "accounts/sheet.html", context))
    context = {
        "person": person,
        "employee_no_masked": selectors.mask_employee_no(person.employee_no),
        "back": back,
        "pending": person.activation_codes.filter(used_at__isnull=True, voided_at__isnull=True).count(),
    }
    return render(request, "accounts/reset_confirm.html", context)


@login_required
@require_POST
def person_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    """Reopen the account of someone who came back (leaving closed it; coming back does not reopen it)."""
    _require_any_scope(request.user)
    person = selectors.activation_person_get_for(viewer=request.user, pk=pk)
    return run_action(
        request,
        services.account_reactivate,
        actor=request.user,
        person=person,
        success=_("账号已恢复。原有角色不会自动恢复，如需要请重新授权。"),
        to=reverse("org:person", kwargs={"pk": person.pk}),
    )


# ---------------------------------------------------------------------------------------------------- redeeming


def _redeemed(request: HttpRequest, user, purpose: str) -> HttpResponse:
    auth_login(request, user, backend=BACKEND)
    request.session[signin.SESSION_KEY] = signin.ACTIVATION  # the redemption's own event records the sign-in
    if purpose == ActivationCode.Purpose.RESET:
        messages.success(request, _("新密码已设置。以后请用手机号或工号和新密码登录。"))
    else:
        messages.success(request, _("账号已开通。以后请用手机号或工号和刚设置的密码登录。"))
    if needs_second_factor(user):
        return redirect(_with_next("accounts:otp", resolve_url("home")))
    return redirect("home")


def _activate_context(code: ActivationCode) -> dict:
    person = code.person
    return {
        "purpose": code.purpose,
        "name_masked": selectors.mask_name(person.name),
        "unit_name": person.unit.name,
        "employee_no_masked": selectors.mask_employee_no(person.employee_no),
    }


@never_cache
@require_http_methods(["GET", "POST"])
def activate(request: HttpRequest, token: str) -> HttpResponse:
    """The link of a slip's QR code: the person sees who the slip is for and sets a password."""
    code = selectors.activation_code_for_token(token)
    if code is None:
        problem = _("激活链接无效。请核对链接，或改为输入激活单上的激活码。")
        return _private(render(request, "accounts/activate.html", {"problem": problem}, status=404))
    problem = services.activation_problem(code)
    if problem:
        return _private(render(request, "accounts/activate.html", {"problem": problem}, status=410))
    form = forms.NewPasswordForm(request.POST or None, user=services.prospective_user(code.person))
    if request.method == "POST" and form.is_valid():
        try:
            user = services.activation_redeem(token=token, password=form.cleaned_data["password1"])
        except ApplicationError as exc:
            form.add_error(None, exc.message)
        else:
            return _redeemed(request, user, code.purpose)
    return _private(render(request, "accounts/activate.html", {"form": form, **_activate_context(code)}))


@never_cache
@require_http_methods(["GET", "POST"])
def activate_code(request: HttpRequest) -> HttpResponse:
    """For those who cannot scan: employee or mobile number and the code, then the same password step.

    The password step carries the identifier and the code along as hidden fields, so nothing is kept on the server
    between the steps and the redemption checks the code again.
    """
    code_form = forms.CodeForm(request.POST or None)
    context: dict = {"code_form": code_form}
    if request.method == "POST" and code_form.is_valid():
        identifier, code = code_form.cleaned_data["identifier"], code_form.cleaned_data["code"]
        try:
            found = services.activation_check(identifier=identifier, code=code)
        except ApplicationError as exc:
            code_form.add_error("code" if exc.field else None, exc.message)
        else:
            password_form = forms.NewPasswordForm(
                request.POST if "password1" in request.POST else None,
                user=services.prospective_user(found.person),
            )
            context.update(form=password_form, **_activate_context(found))
            if password_form.is_bound and password_form.is_valid():
                try:
                    user = services.activation_redeem(
                        identifier=identifier, code=code, password=password_form.cleaned_data["password1"]
                    )
                except ApplicationError as exc:
                    password_form.add_error(None, exc.message)
                else:
                    return _redeemed(request, user, found.purpose)
    return _private(render(request, "accounts/activate.html", context))
