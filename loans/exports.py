"""A loan plan printed (PDF) or exported (Excel): a summary and the full repayment table.

The PDF embeds the Chinese font of shuchang.core.pdf_fonts.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from loans.calculator import CombinedSchedule, by_year, format_rate
from loans.choices import HomeType
from loans.plans import PlanOption, PlanRequest
from shuchang.core.formatting import chinese_date, chinese_datetime
from shuchang.core.money import format_yuan
from shuchang.core.pdf_fonts import CJK_FONT, cjk_font

PDF_FONT = CJK_FONT
DISCLAIMER = "本方案依据填写信息与所选日期的利率测算，仅供参考，实际贷款额度、利率与月供以银行审批及借款合同为准。"
_AMOUNT_FORMAT = "#,##0.00"
_RATE_FORMAT = "0.000%"


@dataclass(frozen=True)
class PlanDocument:
    """What both exports print: the option, the customer's figures and who produced it when."""

    option: PlanOption
    request: PlanRequest
    contract_on: date
    generated_at: datetime
    customer_name: str = ""
    prepared_by: str = ""
    site_name: str = "舒畅"

    @property
    def title(self) -> str:
        return f"{self.site_name} 贷款方案"

    def summary(self) -> list[tuple[str, object]]:
        """(label, value) rows; values are Decimal amounts, rates (as `Rate`) or text."""
        option, request = self.option, self.request
        rows: list[tuple[str, object]] = [
            ("客户", self.customer_name or "—"),
            ("房屋类型", HomeType(request.home_type).label),
            ("房屋总价", request.price),
            ("首付款", option.down_payment),
            ("贷款总额", option.loan_amount),
            ("贷款方案", f"{option.bank_name} {option.kind.label}"),
            ("贷款产品", "；".join(f"{p.label}（{p.pricing}）" for p in option.products)),
        ]
        if option.commercial_amount:
            rows += [("商业贷款金额", option.commercial_amount), ("商业贷款年利率", Rate(option.commercial_rate))]
        if option.provident_amount:
            rows += [("公积金贷款金额", option.provident_amount), ("公积金贷款年利率", Rate(option.provident_rate))]
        rows += [
            ("贷款期限", f"{option.term_years}年（{option.months}期）"),
            ("还款方式", option.method.label),
            ("首月月供", option.first_payment),
            ("月供加物业费", option.housing_payment),
            ("总利息", option.total_interest),
            ("还款总额", option.total_payment),
            ("利率日期", chinese_date(self.contract_on)),
            ("生成时间", chinese_datetime(self.generated_at)),
        ]
        if self.prepared_by:
            rows.append(("经办人", self.prepared_by))
        return rows


@dataclass(frozen=True)
class Rate:
    value: Decimal

    def __str__(self) -> str:
        return format_rate(self.value)


def _text(value: object) -> str:
    if isinstance(value, Decimal):
        return format_yuan(value)
    return str(value)


def plan_filename(document: PlanDocument, extension: str) -> str:
    option = document.option
    return f"贷款方案-{option.bank_name}-{option.kind.label}-{option.term_years}年-{option.method.label}.{extension}"


# ---- PDF ----------------------------------------------------------------------------------


def _register_font() -> None:
    cjk_font()


def plan_pdf(document: PlanDocument) -> bytes:
    """An A4 PDF: the summary, the yearly totals and the full monthly table."""
    _register_font()
    buffer = io.BytesIO()
    pdf = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=document.title,
        author=document.site_name,
    )
    heading = ParagraphStyle("heading", fontName=PDF_FONT, fontSize=16, leading=22, spaceAfter=6)
    subheading = ParagraphStyle("subheading", fontName=PDF_FONT, fontSize=12, leading=18, spaceBefore=8, spaceAfter=4)
    small = ParagraphStyle("small", fontName=PDF_FONT, fontSize=8, leading=11, textColor=colors.grey)
    schedule = document.option.schedule

    story = [Paragraph(document.title, heading)]
    story.append(_table([[label, _text(value)] for label, value in document.summary()], widths=(40 * mm, 130 * mm)))
    if isinstance(schedule, CombinedSchedule):
        story.append(Paragraph("组合贷款分项", subheading))
        rows = [["分项", "贷款金额", "首月月供", "总利息"]]
        for label, part in zip(("商业贷款", "公积金贷款"), schedule.parts, strict=False):
            rows.append([label, *map(_text, (part.principal_amount, part.first_payment, part.total_interest))])
        story.append(_table(rows, header=True))
    story.append(Paragraph("年度还款汇总", subheading))
    rows = [["年度", "还款额", "本金", "利息", "年末剩余本金"]]
    for year in by_year(schedule):
        rows.append([f"第{year.year}年", *map(_text, (year.payment, year.principal, year.interest, year.remaining))])
    story.append(_table(rows, header=True))
    story.append(Paragraph("逐月还款计划", subheading))
    rows = [["期数", "月供", "本金", "利息", "剩余本金"]]
    for period in schedule.periods:
        amounts = (period.payment, period.principal, period.interest, period.remaining)
        rows.append([str(period.number), *map(_text, amounts)])
    story.append(_table(rows, header=True))
    story += [Spacer(1, 4 * mm), Paragraph(DISCLAIMER, small)]
    pdf.build(story)
    return buffer.getvalue()


def _table(rows: list[list[str]], *, header: bool = False, widths=None) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0, hAlign="LEFT")
    style = [
        ("FONTNAME", (0, 0), (-1, -1), PDF_FONT),
        ("FONTSIZE", (0, 0), (-1, -1), 9),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.lightgrey),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ]
    if header:
        style += [
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f0f2f5")),
            ("ALIGN", (1, 0), (-1, -1), "RIGHT"),
        ]
    table.setStyle(TableStyle(style))
    return table


# ---- Excel --------------------------------------------------------------------------------


def plan_xlsx(document: PlanDocument) -> bytes:
    """A workbook with the summary sheet and the monthly table (amounts as numbers, #,##0.00)."""
    workbook = Workbook()
    summary = workbook.active
    summary.title = "方案概要"
    summary.append([document.title])
    summary["A1"].font = Font(bold=True, size=14)
    for label, value in document.summary():
        if isinstance(value, Rate):
            summary.append([label, value.value])
            summary.cell(row=summary.max_row, column=2).number_format = _RATE_FORMAT
        elif isinstance(value, Decimal):
            summary.append([label, value])
            summary.cell(row=summary.max_row, column=2).number_format = _AMOUNT_FORMAT
        else:
            summary.append([label, str(value)])
    summary.append([])
    summary.append(["说明", DISCLAIMER])
    summary.column_dimensions["A"].width = 16
    summary.column_dimensions["B"].width = 60
    for row in summary.iter_rows(min_col=2, max_col=2):
        row[0].alignment = Alignment(horizontal="left")

    table = workbook.create_sheet("还款计划")
    table.append(["期数", "月供", "本金", "利息", "提前还款", "剩余本金"])
    for cell in table[1]:
        cell.font = Font(bold=True)
    for period in document.option.schedule.periods:
        table.append(
            [period.number, period.payment, period.principal, period.interest, period.prepayment, period.remaining]
        )
        for cell in table[table.max_row][1:]:
            cell.number_format = _AMOUNT_FORMAT
    for column in "BCDEF":
        table.column_dimensions[column].width = 16
    table.freeze_panes = "A2"

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
