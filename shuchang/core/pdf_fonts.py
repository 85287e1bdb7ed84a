"""The Chinese font every PDF embeds (receipts, notices, loan plans).

WenQuanYi Micro Hei (Debian's fonts-wqy-microhei) has TrueType outlines, which reportlab can embed
and subset; the Noto CJK fonts installed beside it have PostScript outlines, which it cannot. An
embedded font prints the same on every sales-office printer, with no reliance on the reader's fonts.
"""

from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

CJK_FONT = "ShuchangCJK"
_CANDIDATES = (
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
)


def cjk_font() -> str:
    """Register the embeddable CJK font once and return its name for setFont / ParagraphStyle."""
    if CJK_FONT in pdfmetrics.getRegisteredFontNames():
        return CJK_FONT
    configured = getattr(settings, "PDF_CJK_FONT_FILE", "")
    for candidate in (configured, *_CANDIDATES):
        if candidate and Path(candidate).is_file():
            pdfmetrics.registerFont(TTFont(CJK_FONT, candidate, subfontIndex=0))
            return CJK_FONT
    raise ImproperlyConfigured(
        "没有可嵌入PDF的中文字体：请安装 fonts-wqy-microhei（apt-get install fonts-wqy-microhei），"
        "或用 PDF_CJK_FONT_FILE 指定一个 TrueType 中文字体文件"
    )
