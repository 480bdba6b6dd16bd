from django import template

register = template.Library()


@register.filter
def absolute(value: int) -> int:
    """|value|, for "overdue by N min"."""
    try:
        return abs(int(value))
    except (TypeError, ValueError):
        return 0
