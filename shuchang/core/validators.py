"""Mainland-China identity validators with Chinese messages."""

import re
from datetime import date

from django.core.exceptions import ValidationError
from django.utils import timezone

MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"


def validate_mobile(value: str) -> None:
    if not MOBILE_RE.match(value or ""):
        raise ValidationError("请输入正确的11位中国大陆手机号码", code="invalid_mobile")


def id_number_check_char(first17: str) -> str:
    """The GB 11643 check character for the first 17 digits of a resident ID."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def validate_resident_id(value: str) -> None:
    """An 18-character resident ID: 17 digits, a real birth date, and the right check character."""
    value = (value or "").strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise ValidationError("身份证号码应为18位，最后一位可以是数字或X", code="invalid_id_format")
    try:
        born_on = date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError("身份证号码中的出生日期无效", code="invalid_id_birth") from None
    if born_on.year < 1900 or born_on > timezone.localdate():
        raise ValidationError("身份证号码中的出生日期无效", code="invalid_id_birth")
    if id_number_check_char(value[:17]) != value[17]:
        raise ValidationError("身份证号码校验位不正确，请核对", code="invalid_id_checksum")
