"""Printed documents: receipts (收据) and payment / dunning notices (缴费通知单 / 催款通知).

Receipts are laid out like a sales office's machine-printed receipt: title and number, date and
project, payer and unit, a table of charge item, method, reference and amount, the amount in
Chinese capitals (大写), the collecting company, the cashier and the copy.

* A4 (plain paper): the three copies — 第一联 存根联, 第二联 收据联（交付款人）, 第三联 记账联 —
  one above the other on one page, with cut lines.
* 241 mm continuous paper (241 × 93.1 mm, the third-of-11-inch form of dot-matrix receipt printers):
  one impression on carbonless three-part paper makes all three copies, so the page is printed once
  and names its three parts down the right edge, as pre-printed receipt forms do.
* The buyer's download is the 收据联 marked 电子收据.

A reprint (补打) says so with its count; a voided receipt (作废) and a red receipt (红冲) say so in red.
The Chinese font is embedded (shuchang.core.pdf_fonts): the receipt prints the same everywhere and its
text extracts with pdftotext.
"""

import io
from decimal import Decimal

from django.utils import timezone
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from payments.models import NoticeKind, Paper, PaymentNotice, Receipt, ReceiptKind
from shuchang.core.formatting import chinese_date, chinese_datetime
from shuchang.core.money import amount_in_chinese_capitals, format_yuan
from shuchang.core.pdf_fonts import CJK_FONT, cjk_font

FONT = CJK_FONT
CONTINUOUS_SIZE = (241 * mm, 93.1 * mm)
COPIES = [("第一联", "存根联"), ("第二联", "收据联（交付款人）"), ("第三联", "记账联")]
RED = colors.HexColor("#c0392b")
INK = colors.HexColor("#1d2733")


def _font() -> None:
    cjk_font()


def _text(canvas: Canvas, x: float, y: float, text: str, size: float = 9, *, color=INK, align: str = "left") -> None:
    canvas.setFont(FONT, size)
    canvas.setFillColor(color)
    if align == "right":
        canvas.drawRightString(x, y, text)
    elif align == "center":
        canvas.drawCentredString(x, y, text)
    else:
        canvas.drawString(x, y, text)


def _fit(text: str, width: float, size: float) -> str:
    """Shorten `text` with … until it fits `width` at `size`."""
    if pdfmetrics.stringWidth(text, FONT, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", FONT, size) > width:
        text = text[:-1]
    return text + "…"


def _receipt_part(
    canvas: Canvas,
    receipt: Receipt,
    *,
    x: float,
    y: float,
    width: float,
    height: float,
    copy_label: str,
    marks: list[str],
) -> None:
    """One receipt in the box (x, y, width, height); y is the bottom edge."""
    red = receipt.kind == ReceiptKind.RED
    top = y + height
    left, right = x + 8 * mm, x + width - 8 * mm
    title = f"{receipt.title} 收款收据" if not red else f"{receipt.title} 红冲收据"
    _text(canvas, (left + right) / 2, top - 10 * mm, title, 13, color=RED if red else INK, align="center")
    _text(canvas, right, top - 10 * mm, f"No. {receipt.code}", 10, color=RED, align="right")
    line_y = top - 17 * mm
    _text(canvas, left, line_y, f"开具日期：{chinese_date(receipt.issued_at)}", 8.5)
    _text(canvas, right, line_y, _fit(f"楼盘：{receipt.project_name}", 90 * mm, 8.5), 8.5, align="right")

    # The table: payer / unit, then the item line, then the capitals line, then the note.
    table_top = line_y - 3 * mm
    row = 7 * mm
    rows = 4
    canvas.setStrokeColor(INK)
    canvas.setLineWidth(0.6)
    canvas.rect(left, table_top - rows * row, right - left, rows * row)
    for index in range(1, rows):
        canvas.line(left, table_top - index * row, right, table_top - index * row)
    column = (right - left) / 4
    baseline = table_top - row + 2.3 * mm
    _text(canvas, left + 2 * mm, baseline, _fit(f"付款人：{receipt.payer_name}", column * 2 - 4 * mm, 9), 9)
    _text(canvas, left + column * 2 + 2 * mm, baseline, _fit(f"房号：{receipt.unit_label}", column * 2 - 4 * mm, 9), 9)
    canvas.line(left + column * 2, table_top, left + column * 2, table_top - row)
    baseline -= row
    headers = ["收费项目", "支付方式", "流水号/参考号", "金额（元）"]
    values = [receipt.charge_item_name, receipt.method_name, receipt.external_ref or "—", format_yuan(receipt.amount)]
    for index in range(1, 4):
        canvas.line(left + column * index, table_top - row, left + column * index, table_top - 2 * row)
    for index, (header, value) in enumerate(zip(headers, values, strict=True)):
        cell_left = left + column * index + 2 * mm
        _text(canvas, cell_left, baseline + 0.2 * mm, header, 6.5, color=colors.grey)
        text = _fit(value, column - 4 * mm - pdfmetrics.stringWidth(header, FONT, 6.5), 9)
        _text(canvas, left + column * (index + 1) - 2 * mm, baseline, text, 9, color=RED if red else INK, align="right")
    baseline -= row
    _text(canvas, left + 2 * mm, baseline, f"人民币（大写）：{receipt.amount_in_words}", 10, color=RED if red else INK)
    _text(canvas, right - 2 * mm, baseline, format_yuan(receipt.amount), 10, color=RED if red else INK, align="right")
    baseline -= row
    note = receipt.note or ""
    _text(canvas, left + 2 * mm, baseline, _fit(f"备注：{note}", right - left - 4 * mm, 8.5), 8.5)

    footer = table_top - rows * row - 5 * mm
    _text(canvas, left, footer, _fit(f"收款单位（盖章）：{receipt.title}", 80 * mm, 8.5), 8.5)
    _text(canvas, left + 88 * mm, footer, f"收款人：{receipt.operator_name}", 8.5)
    _text(canvas, right, footer, f"开具时间：{chinese_datetime(receipt.issued_at)}", 8.5, align="right")
    _text(canvas, left, footer - 5 * mm, copy_label, 8, color=colors.grey)
    if marks:
        _text(canvas, right, footer - 5 * mm, "　".join(marks), 9, color=RED, align="right")
    if receipt.is_voided:
        canvas.saveState()
        canvas.setFillColor(RED)
        canvas.setFillAlpha(0.35)
        canvas.translate((left + right) / 2, y + height / 2)
        canvas.rotate(18)
        canvas.setFont(FONT, 40)
        canvas.drawCentredString(0, -10, "作 废")
        canvas.restoreState()


def _marks(receipt: Receipt, copy_number: int | None, electronic: bool) -> list[str]:
    marks = []
    if receipt.kind == ReceiptKind.RED and receipt.reverses_id:
        marks.append("红冲")
    if receipt.is_voided:
        marks.append(f"已作废：{receipt.void_reason}")
    if copy_number and copy_number > 1:
        marks.append(f"补打（第{copy_number - 1}次补打）")
    if electronic:
        marks.append("电子收据")
    return marks


def receipt_pdf(receipt: Receipt, *, paper: str = Paper.A4, copy_number: int | None = None) -> bytes:
    """The receipt as printed on `paper`; `copy_number` > 1 marks it 补打 with its count."""
    _font()
    buffer = io.BytesIO()
    electronic = paper == Paper.ELECTRONIC
    marks = _marks(receipt, copy_number, electronic)
    if paper == Paper.CONTINUOUS:
        width, height = CONTINUOUS_SIZE
        canvas = Canvas(buffer, pagesize=CONTINUOUS_SIZE)
        _meta(canvas, receipt)
        _receipt_part(
            canvas, receipt, x=0, y=0, width=width - 8 * mm, height=height, copy_label="三联：存根联 · 收据联 · 记账联",
            marks=marks,
        )  # fmt: skip
        # The plies of three-part paper, named down the right edge like a pre-printed form.
        for index, (number, name) in enumerate(COPIES):
            _text(
                canvas, width - 5 * mm, height - 14 * mm - index * 24 * mm, number, 7, color=colors.grey, align="center"
            )
            for offset, char in enumerate(name.split("（")[0]):
                _text(canvas, width - 5 * mm, height - 18 * mm - index * 24 * mm - offset * 3.2 * mm, char, 7,
                      color=colors.grey, align="center")  # fmt: skip
        canvas.showPage()
    elif electronic:
        width, height = A4
        canvas = Canvas(buffer, pagesize=A4)
        _meta(canvas, receipt)
        _receipt_part(canvas, receipt, x=10 * mm, y=height - 110 * mm, width=width - 20 * mm, height=95 * mm,
                      copy_label="第二联 收据联（交付款人）", marks=marks)  # fmt: skip
        note = "本电子收据与售楼处出具的纸质收据编号一致，可凭收据编号向财务查询。"
        _text(canvas, 18 * mm, height - 120 * mm, note, 8, color=colors.grey)
        canvas.showPage()
    else:
        width, height = A4
        canvas = Canvas(buffer, pagesize=A4)
        _meta(canvas, receipt)
        part = height / 3
        for index, (number, name) in enumerate(COPIES):
            bottom = height - (index + 1) * part
            _receipt_part(canvas, receipt, x=6 * mm, y=bottom + 4 * mm, width=width - 12 * mm, height=part - 8 * mm,
                          copy_label=f"{number} {name}", marks=marks)  # fmt: skip
            if index < 2:
                canvas.saveState()
                canvas.setDash(3, 3)
                canvas.setStrokeColor(colors.grey)
                canvas.line(6 * mm, bottom, width - 6 * mm, bottom)
                canvas.restoreState()
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _meta(canvas: Canvas, receipt: Receipt) -> None:
    canvas.setTitle(f"收据 {receipt.code}")
    canvas.setAuthor(receipt.title)
    canvas.setSubject(f"{receipt.payer_name} {format_yuan(receipt.amount)}")


# ---- notices ---------------------------------------------------------------------------------------


def notice_pdf(notice: PaymentNotice, *, company: str = "") -> bytes:
    """A 缴费通知单 or 催款通知 on A4: the order's schedule lines with paid and outstanding, as issued."""
    _font()
    buffer = io.BytesIO()
    width, height = A4
    canvas = Canvas(buffer, pagesize=A4)
    dunning = notice.kind == NoticeKind.DUNNING
    title = "催款通知" if dunning else "缴费通知单"
    canvas.setTitle(f"{title} {notice.number}")
    left, right = 20 * mm, width - 20 * mm
    top = height - 22 * mm
    _text(canvas, width / 2, top, title, 18, color=RED if dunning else INK, align="center")
    _text(canvas, right, top - 9 * mm, f"No. {notice.number}", 10, color=RED, align="right")
    _text(canvas, left, top - 9 * mm, f"尊敬的 {notice.payer_name} 先生/女士：", 11)
    intro = (
        f"您认购的 {notice.unit_label}，截至{chinese_date(notice.as_of)}尚有逾期未付款项 "
        f"{format_yuan(notice.overdue_amount)}，请于收到本通知后尽快缴纳，逾期将按合同约定处理。"
        if dunning
        else f"您认购的 {notice.unit_label}，截至{chinese_date(notice.as_of)}的应付、已付及未付款项如下，请按期缴纳。"
    )
    y = top - 18 * mm
    for chunk in _wrap(intro, right - left, 10):
        _text(canvas, left, y, chunk, 10)
        y -= 6 * mm
    y -= 3 * mm
    # 款项 | 应付日期 | three money columns wide enough for ¥ 99,999,999.99 (values align right).
    columns = [left, left + 46 * mm, left + 74 * mm, left + 106 * mm, left + 138 * mm, right]
    headers = ["款项", "应付日期", "应付金额", "已付金额", "未付金额"]
    canvas.setLineWidth(0.6)
    canvas.line(left, y + 5 * mm, right, y + 5 * mm)
    for index, header in enumerate(headers):
        _text(canvas, columns[index] + 1.5 * mm if index == 0 else columns[index + 1] - 1.5 * mm, y, header, 9.5,
              align="left" if index == 0 else "right")  # fmt: skip
    canvas.line(left, y - 2.5 * mm, right, y - 2.5 * mm)
    y -= 8 * mm
    for line in notice.lines:
        overdue = line.get("is_overdue")
        color = RED if overdue else INK
        values = [
            line["name"] + ("（逾期）" if overdue else ""),
            line["due_on"],
            format_yuan(Decimal(line["amount"])),
            format_yuan(Decimal(line["paid"])),
            format_yuan(Decimal(line["outstanding"])),
        ]
        for index, value in enumerate(values):
            _text(canvas, columns[index] + 1.5 * mm if index == 0 else columns[index + 1] - 1.5 * mm, y, value, 9.5,
                  color=color, align="left" if index == 0 else "right")  # fmt: skip
        y -= 7 * mm
    canvas.line(left, y + 4 * mm, right, y + 4 * mm)
    totals = [
        ("应付合计", notice.due_amount),
        ("已付合计", notice.paid_amount),
        ("未付合计", notice.outstanding_amount),
    ]
    if dunning:
        totals.append(("其中逾期", notice.overdue_amount))
    for label, amount in totals:
        _text(canvas, columns[3] - 1.5 * mm, y, label, 10, align="right")
        _text(
            canvas,
            right - 1.5 * mm,
            y,
            format_yuan(amount),
            10,
            color=RED if label == "其中逾期" else INK,
            align="right",
        )
        y -= 6 * mm
    _text(canvas, left, y - 2 * mm, f"未付金额（大写）：{amount_in_chinese_capitals(notice.outstanding_amount)}", 10)
    y -= 14 * mm
    for chunk in _wrap(
        "如已缴纳请忽略本通知。付款可通过网上支付、售楼处柜台现金、POS 刷卡或银行转账办理，转账请注明房号。",
        right - left,
        9,
    ):
        _text(canvas, left, y, chunk, 9, color=colors.grey)
        y -= 5 * mm
    y -= 8 * mm
    _text(canvas, right, y, company or "", 11, align="right")
    _text(
        canvas, right, y - 7 * mm, f"出具日期：{chinese_date(timezone.localtime(notice.issued_at))}", 10, align="right"
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _wrap(text: str, width: float, size: float) -> list[str]:
    lines, current = [], ""
    for char in text:
        if pdfmetrics.stringWidth(current + char, FONT, size) > width:
            lines.append(current)
            current = char
        else:
            current += char
    if current:
        lines.append(current)
    return lines
