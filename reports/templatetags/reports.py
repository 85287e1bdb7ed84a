from django import template

register = template.Library()


@register.filter
def cells(row, amount_columns):
    """(value, is_amount) pairs so the template right-aligns and formats the money columns."""
    return [(value, index in amount_columns) for index, value in enumerate(row)]
