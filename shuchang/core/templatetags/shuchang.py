"""Template filters every page may use without {% load %} (registered as builtins)."""

from django import template

from shuchang.core import formatting, masking, money

register = template.Library()

register.filter("yuan", money.format_yuan)
register.filter("cn_date", formatting.chinese_date)
register.filter("cn_datetime", formatting.chinese_datetime)
register.filter("mask_mobile", masking.mask_mobile)
register.filter("mask_id", masking.mask_id_number)
register.filter("mask_name", masking.mask_name)
register.filter("capitals", money.amount_in_chinese_capitals)


@register.filter
def wan(amount) -> str:
    """An amount in 万元 with two places, as price lists show totals (e.g. 356.80万)."""
    if amount is None:
        return "—"
    return f"{money.to_amount(amount / 10000):,.2f}万"
