"""Filters of the loan pages: `{% load loan_tags %}` then `{{ rate|annual_rate }}`."""

from django import template

from loans.calculator import format_rate

register = template.Library()

register.filter("annual_rate", format_rate)
