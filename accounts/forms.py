"""Buyer-facing account forms: registration, sign-in, real-name verification (Chinese messages)."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError

from accounts.models import User
from shuchang.core.validators import validate_mobile, validate_resident_id

# Django's zh-hans catalogue leaves the length message in English and names the username (which
# for a buyer is the mobile number); these codes get a plain Chinese sentence instead.
_PASSWORD_MESSAGES = {
    "password_too_short": "密码太短，至少需要 %(min_length)d 位",
    "password_too_similar": "密码与手机号太相似",
}


def _chinese_password_errors(error: ValidationError) -> list[ValidationError]:
    return [
        ValidationError(_PASSWORD_MESSAGES[item.code], code=item.code, params=item.params)
        if item.code in _PASSWORD_MESSAGES
        else item
        for item in error.error_list
    ]


class RegisterForm(forms.Form):
    mobile = forms.CharField(
        label="手机号",
        validators=[validate_mobile],
        error_messages={"required": "请输入手机号"},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "tel", "maxlength": 11, "placeholder": "11位手机号"}
        ),
    )
    password1 = forms.CharField(
        label="密码",
        strip=False,
        error_messages={"required": "请设置密码"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="至少8位，须同时包含字母和数字，不能过于常见，不能与手机号相似",
    )
    password2 = forms.CharField(
        label="确认密码",
        strip=False,
        error_messages={"required": "请再次输入密码"},
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean_mobile(self) -> str:
        return self.cleaned_data["mobile"].strip()

    def clean(self):
        data = super().clean()
        password1, password2 = data.get("password1"), data.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", "两次输入的密码不一致")
        elif password1:
            mobile = data.get("mobile", "")
            try:
                # The unsaved user lets the similarity check compare the password with the mobile number.
                password_validation.validate_password(password1, user=User(username=mobile, mobile=mobile))
            except ValidationError as error:
                self.add_error("password1", _chinese_password_errors(error))
        return data


class LoginForm(AuthenticationForm):
    """Buyers type their mobile number, staff their username, into the same field."""

    error_messages = {
        "invalid_login": "手机号（用户名）或密码不正确，请重新输入",
        "inactive": "该账号已停用，如有疑问请联系售楼处",
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = "手机号 / 用户名"
        self.fields["username"].error_messages["required"] = "请输入手机号或用户名"
        self.fields["username"].widget.attrs.update(placeholder="购房者请输入手机号", autocomplete="username")
        self.fields["password"].label = "密码"
        self.fields["password"].error_messages["required"] = "请输入密码"


class VerifyIdentityForm(forms.Form):
    real_name = forms.CharField(
        label="真实姓名",
        max_length=50,
        min_length=2,
        error_messages={
            "required": "请输入身份证上的姓名",
            "min_length": "姓名至少2个字",
            "max_length": "姓名不能超过50个字",
        },
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label="身份证号",
        validators=[validate_resident_id],
        error_messages={"required": "请输入18位身份证号码"},
        widget=forms.TextInput(attrs={"maxlength": 18, "autocomplete": "off", "placeholder": "18位居民身份证号码"}),
    )

    def clean_id_number(self) -> str:
        # The validator accepts a lower-case x; the stored form is upper-case, so duplicates compare equal.
        return self.cleaned_data["id_number"].strip().upper()
