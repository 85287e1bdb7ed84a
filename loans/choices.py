"""The loan vocabularies, importable by the pure modules (calculator, plans) without the ORM."""

from django.db import models


class LoanKind(models.TextChoices):
    COMMERCIAL = "commercial", "商业贷款"
    PROVIDENT = "provident", "公积金贷款"


class RateRule(models.TextChoices):
    LPR_SPREAD = "lpr", "LPR加点"
    FIXED = "fixed", "固定利率"
    PROVIDENT_TABLE = "provident", "公积金利率表"


class HomeType(models.TextChoices):
    FIRST = "first", "首套房"
    SECOND = "second", "二套房"
