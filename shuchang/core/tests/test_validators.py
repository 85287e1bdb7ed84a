import pytest
from django.core.exceptions import ValidationError

from shuchang.core.masking import mask_id_number, mask_mobile
from shuchang.core.validators import validate_mobile, validate_resident_id


def test_valid_resident_ids_pass():
    validate_resident_id("11010519491231002X")
    validate_resident_id("440524198001010013")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("110105194912310021", "校验位"),
        ("11010519491331002X", "出生日期"),
        ("1101051949123100", "18位"),
        ("abc", "18位"),
    ],
)
def test_invalid_resident_ids_are_refused_in_chinese(value, message):
    with pytest.raises(ValidationError, match=message):
        validate_resident_id(value)


def test_mobile_numbers():
    validate_mobile("13800138000")
    with pytest.raises(ValidationError, match="手机号码"):
        validate_mobile("12800138000")


def test_masking():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_mobile("13800138000") == "138****8000"
