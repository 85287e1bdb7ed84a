import subprocess

from reportlab.pdfgen.canvas import Canvas

from shuchang.core.pdf_fonts import cjk_font


def test_pdfs_embed_a_chinese_font_whose_text_extracts(tmp_path):
    path = tmp_path / "receipt.pdf"
    canvas = Canvas(str(path))
    canvas.setFont(cjk_font(), 14)
    canvas.drawString(50, 800, "收据 壹万零肆元伍角整 舒畅·云栖府")
    canvas.save()

    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout

    embedded_rows = [line for line in fonts.splitlines() if "WenQuanYi" in line]
    assert embedded_rows and " yes " in embedded_rows[0]
    assert "壹万零肆元伍角整" in text and "舒畅·云栖府" in text
