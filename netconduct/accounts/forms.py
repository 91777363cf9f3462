"""Forms of the login, second-factor, activation and password pages: big inputs for phones, Chinese messages."""

from __future__ import annotations

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from . import selectors, services, signin

BIG = "form-control form-control-lg"


def _text(**attrs) -> forms.TextInput:
    return forms.TextInput(attrs={"class": BIG, **attrs})


def _password(**attrs) -> forms.PasswordInput:
    return forms.PasswordInput(attrs={"class": BIG, **attrs})


class LoginForm(auth_forms.AuthenticationForm):
    username = auth_forms.UsernameField(
        label=_("手机号 / 工号 / 用户名"),
        max_length=150,
        widget=_text(autofocus=True, autocomplete="username", autocapitalize="none", spellcheck="false"),
    )
    password = forms.CharField(
        label=_("密码"), strip=False, widget=_password(autocomplete="current-password")
    )

    error_messages = {
        "invalid_login": _("账号或密码不正确。连续输错5次，账号将被暂时锁定。"),
        "inactive": _("该账号已停用，请联系所在支部书记。"),
    }

    def confirm_login_allowed(self, user) -> None:
        reason = signin.signin_refusal(user)
        if reason is not None:
            raise forms.ValidationError(reason, code="inactive")

    def clean_username(self) -> str:
        # Whichever identifier was typed, authenticate (and so the lockout count) sees the account's own name.
        return selectors.lockout_username(self.cleaned_data["username"])


class DirectoryLoginForm(forms.Form):
    """The directory's own user name and password (what people type at their office computer)."""

    username = forms.CharField(
        label=_("目录账号（办公电脑登录名）"),
        max_length=150,
        widget=_text(autofocus=True, autocomplete="username", autocapitalize="none", spellcheck="false"),
        error_messages={"required": _("请输入目录账号。")},
    )
    password = forms.CharField(
        label=_("目录密码"),
        strip=False,
        widget=_password(autocomplete="current-password"),
        error_messages={"required": _("请输入目录密码。")},
    )

    def clean_username(self) -> str:
        return selectors.normalize_identifier(self.cleaned_data["username"])


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6位验证码"),
        min_length=6,
        max_length=6,
        widget=_text(
            autofocus=True,
            autocomplete="one-time-code",
            inputmode="numeric",
            pattern="[0-9]*",
            maxlength=6,
            placeholder="000000",
        ),
        error_messages={"required": _("请输入身份验证器上显示的6位数字。")},
    )

    def clean_token(self) -> str:
        value = selectors.normalize_identifier(self.cleaned_data["token"]).replace(" ", "")
        if not value.isdigit():
            raise forms.ValidationError(_("验证码是6位数字。"))
        return value


class NewPasswordForm(forms.Form):
    """A new password typed twice, checked by the configured validators against the account it is for."""

    password1 = forms.CharField(
        label=_("设置登录密码"),
        strip=False,
        widget=_password(autocomplete="new-password"),
        help_text=_("至少8位，不能全是数字，不要用生日、手机号等容易被猜到的密码。"),
    )
    password2 = forms.CharField(
        label=_("再次输入密码"), strip=False, widget=_password(autocomplete="new-password")
    )

    def __init__(self, *args, user=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean(self):
        cleaned = super().clean()
        one, two = cleaned.get("password1"), cleaned.get("password2")
        if one and two and one != two:
            self.add_error("password2", _("两次输入的密码不一致。"))
        elif two:
            for problem in services.password_problems(two, self.user):
                self.add_error("password1", problem)
        return cleaned


class CodeForm(forms.Form):
    identifier = forms.CharField(
        label=_("工号或手机号"),
        max_length=30,
        widget=_text(autocomplete="username", autocapitalize="none", spellcheck="false"),
    )
    code = forms.CharField(
        label=_("激活码"),
        max_length=20,
        help_text=_("激活单上的8位字母和数字，大小写均可。"),
        widget=_text(
            autocomplete="one-time-code",
            autocapitalize="characters",
            spellcheck="false",
            placeholder="ABCD-EFGH",
        ),
    )

    def clean_code(self) -> str:
        return selectors.normalize_code(self.cleaned_data["code"])


class SheetForm(forms.Form):
    ALL = "all"
    SELECTED = "selected"
    mode = forms.ChoiceField(
        label=_("打印范围"),
        choices=[(ALL, _("全部尚未开通账号的人员")), (SELECTED, _("只打印下面勾选的人员"))],
        initial=ALL,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    people = forms.ModelMultipleChoiceField(
        label=_("人员"), queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )

    def __init__(self, *args, people, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = people

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("mode") == self.SELECTED and not cleaned.get("people"):
            self.add_error("people", _("请至少勾选一人。"))
        return cleaned

    def chosen(self):
        if self.cleaned_data["mode"] == self.ALL:
            return list(self.fields["people"].queryset)
        return list(self.cleaned_data["people"])


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        labels = {
            "old_password": _("当前密码"),
            "new_password1": _("新密码"),
            "new_password2": _("再次输入新密码"),
        }
        for name, field in self.fields.items():
            field.widget.attrs["class"] = BIG
            field.label = labels.get(name, field.label)
        self.fields["new_password1"].help_text = _(
            "至少8位，不能全是数字，不要用生日、手机号等容易被猜到的密码。"
        )
        self.error_messages = {
            **self.error_messages,
            "password_incorrect": _("当前密码不正确，请重新输入。"),
            "password_mismatch": _("两次输入的新密码不一致。"),
        }

    def validate_password_for_user(self, user, password_field_name="new_password2"):  # noqa: S107 (a field name)
        password = self.cleaned_data.get(password_field_name)
        if password:
            for problem in services.password_problems(password, user):
                self.add_error(password_field_name, problem)


class ProfileForm(forms.Form):
    email = forms.CharField(
        label=_("电子邮箱"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"class": "form-control", "autocomplete": "email"}),
        help_text=_("用于接收邮件提醒；留空则只在平台内提醒。"),
    )
    email_notifications = forms.BooleanField(
        label=_("同时用邮件提醒我"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
