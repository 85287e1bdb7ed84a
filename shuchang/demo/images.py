"""Demo pictures drawn with Pillow at build time: no downloads, so the demo works on a closed intranet.

Every function returns a `ContentFile` ready to assign to an ImageField. Drawings are seeded, so the
same demo always gets the same pictures.
"""

import io
import random
from decimal import Decimal
from functools import cache
from pathlib import Path

from django.core.files.base import ContentFile
from PIL import Image, ImageDraw, ImageFont

CJK_FONT = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
CJK_FONT_BOLD = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc")
_SC_FACE = "Noto Sans CJK SC"

# Sky palettes (top colour, horizon colour) for the tower renderings.
SKIES = {
    "day": ((86, 146, 214), (214, 232, 246)),
    "dusk": ((58, 72, 140), (246, 176, 120)),
    "morning": ((120, 170, 220), (250, 224, 190)),
}


@cache
def font(size: int, *, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """Noto Sans CJK SC when installed (the .ttc holds several faces; pick the Simplified one), else Pillow's own."""
    path = CJK_FONT_BOLD if bold and CJK_FONT_BOLD.exists() else CJK_FONT
    if path.exists():
        for index in range(6):
            face = ImageFont.truetype(str(path), size, index=index)
            if face.getname()[0] == _SC_FACE:
                return face
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size=size)


def _encode(image: Image.Image, name: str) -> ContentFile:
    buffer = io.BytesIO()
    if name.endswith(".png"):
        image.save(buffer, format="PNG", optimize=True)
    else:
        image.convert("RGB").save(buffer, format="JPEG", quality=82, optimize=True)
    return ContentFile(buffer.getvalue(), name=name)


def _gradient(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]) -> Image.Image:
    """A vertical gradient, drawn one line per row (fast enough at these sizes)."""
    width, height = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / max(height - 1, 1)
        colour = tuple(round(a + (b - a) * t) for a, b in zip(top, bottom, strict=True))
        draw.line([(0, y), (width, y)], fill=colour)
    return image


def _shadowed_text(draw: ImageDraw.ImageDraw, xy: tuple[int, int], text: str, size: int, *, bold=False) -> None:
    x, y = xy
    draw.text((x + 2, y + 2), text, font=font(size, bold=bold), fill=(0, 0, 0, 140))
    draw.text((x, y), text, font=font(size, bold=bold), fill=(255, 255, 255))


def tower_rendering(
    *, title: str, subtitle: str = "", seed: int, sky: str = "day", size=(1200, 750), name: str
) -> ContentFile:
    """A stylised project rendering (效果图): sky, a row of towers with lit windows, the name in Chinese."""
    rng = random.Random(seed)  # noqa: S311 — pictures, not secrets; seeded so the demo is repeatable
    width, height = size
    horizon = int(height * 0.78)
    top, bottom = SKIES[sky]
    image = _gradient(size, top, bottom)
    draw = ImageDraw.Draw(image, "RGBA")

    # Distant hills, then the towers, then a lawn and a road in front.
    hill = [(0, horizon)]
    for x in range(0, width + 80, 80):
        hill.append((x, horizon - rng.randint(30, 90)))
    hill.append((width, horizon))
    draw.polygon(hill, fill=(110, 140, 130, 150))

    lit = (255, 226, 150) if sky == "dusk" else (200, 225, 245)
    x = rng.randint(20, 60)
    while x < width - 60:
        tower_width = rng.randint(90, 150)
        floors = rng.randint(18, 33)
        floor_height = rng.randint(13, 16)
        top_y = max(horizon - floors * floor_height, 60)
        facade = rng.choice([(232, 228, 220), (214, 210, 200), (198, 204, 210), (226, 218, 204)])
        draw.rectangle([x, top_y, x + tower_width, horizon], fill=facade, outline=(150, 150, 150))
        draw.rectangle([x - 4, top_y - 10, x + tower_width + 4, top_y], fill=(120, 120, 125))
        columns = max(tower_width // 24, 3)
        for y in range(top_y + 8, horizon - 10, floor_height):
            for column in range(columns):
                wx = x + 8 + column * (tower_width - 16) // columns
                is_lit = rng.random() < (0.45 if sky == "dusk" else 0.2)
                draw.rectangle(
                    [wx, y, wx + (tower_width - 16) // columns - 6, y + floor_height - 6],
                    fill=lit if is_lit else (120, 150, 175),
                )
        x += tower_width + rng.randint(25, 70)

    draw.rectangle([0, horizon, width, height], fill=(96, 150, 90))
    draw.rectangle([0, horizon + 40, width, horizon + 70], fill=(130, 130, 135))
    for tree_x in range(15, width, 55):
        radius = rng.randint(14, 24)
        draw.ellipse([tree_x - radius, horizon - radius, tree_x + radius, horizon + radius], fill=(52, 110, 64, 230))

    draw.rectangle([0, height - 150, width, height], fill=(0, 0, 0, 90))
    _shadowed_text(draw, (48, height - 138), title, 64, bold=True)
    if subtitle:
        _shadowed_text(draw, (52, height - 56), subtitle, 28)
    draw.text((width - 200, height - 40), "效果图仅供参考", font=font(20), fill=(235, 235, 235))
    return _encode(image, name)


# Room layouts per number of bedrooms: (label, weight of the inner area, box as fractions x0, y0, x1, y1).
_LAYOUTS = {
    2: [
        ("客厅", 30, (0.0, 0.0, 0.55, 0.55)),
        ("主卧", 18, (0.55, 0.0, 1.0, 0.5)),
        ("次卧", 13, (0.55, 0.5, 1.0, 1.0)),
        ("厨房", 8, (0.0, 0.55, 0.3, 1.0)),
        ("卫生间", 6, (0.3, 0.55, 0.55, 1.0)),
    ],
    3: [
        ("客厅", 32, (0.0, 0.0, 0.5, 0.5)),
        ("主卧", 18, (0.5, 0.0, 0.8, 0.5)),
        ("阳台", 7, (0.8, 0.0, 1.0, 0.5)),
        ("次卧", 12, (0.5, 0.5, 0.78, 1.0)),
        ("次卧", 11, (0.78, 0.5, 1.0, 1.0)),
        ("厨房", 8, (0.0, 0.5, 0.27, 1.0)),
        ("卫生间", 6, (0.27, 0.5, 0.5, 1.0)),
    ],
    4: [
        ("客厅", 36, (0.0, 0.0, 0.42, 0.5)),
        ("主卧", 20, (0.42, 0.0, 0.72, 0.5)),
        ("次卧", 13, (0.72, 0.0, 1.0, 0.5)),
        ("次卧", 12, (0.62, 0.5, 0.82, 1.0)),
        ("书房", 10, (0.82, 0.5, 1.0, 1.0)),
        ("厨房", 9, (0.0, 0.5, 0.22, 1.0)),
        ("卫生间", 6, (0.22, 0.5, 0.42, 1.0)),
        ("阳台", 8, (0.42, 0.5, 0.62, 1.0)),
    ],
}


def floor_plan_drawing(*, title: str, layout: str, rooms: int, gross_area: Decimal, inner_area: Decimal, name: str):
    """A floor-plan drawing (户型图): rooms as labelled rectangles with their areas, a compass, the areas."""
    width, height = 900, 700
    image = Image.new("RGB", (width, height), (252, 251, 247))
    draw = ImageDraw.Draw(image)
    left, top, right, bottom = 60, 110, width - 60, height - 90
    plan = _LAYOUTS[min(max(rooms, 2), 4)]
    total_weight = sum(weight for _, weight, _ in plan)
    fills = {"客厅": (247, 236, 214), "厨房": (224, 236, 226), "卫生间": (218, 230, 242), "阳台": (236, 242, 220)}
    for label, weight, (x0, y0, x1, y1) in plan:
        box = [
            left + round((right - left) * x0),
            top + round((bottom - top) * y0),
            left + round((right - left) * x1),
            top + round((bottom - top) * y1),
        ]
        draw.rectangle(box, fill=fills.get(label, (240, 232, 222)), outline=(60, 60, 60), width=4)
        area = (inner_area * weight / total_weight).quantize(Decimal("0.1"))
        centre_x, centre_y = (box[0] + box[2]) // 2, (box[1] + box[3]) // 2
        draw.text((centre_x, centre_y - 14), label, font=font(26), fill=(40, 40, 40), anchor="mm")
        draw.text((centre_x, centre_y + 18), f"{area}㎡", font=font(20), fill=(90, 90, 90), anchor="mm")
    draw.rectangle([left, top, right, bottom], outline=(30, 30, 30), width=8)

    draw.text((left, 30), f"{title}  {layout}", font=font(36, bold=True), fill=(30, 30, 30))
    draw.text(
        (left, height - 70),
        f"建筑面积约 {gross_area}㎡ · 套内面积约 {inner_area}㎡ · 图示面积为估算，以合同为准",
        font=font(20),
        fill=(80, 80, 80),
    )
    # Compass: north points up.
    cx, cy = width - 90, 55
    draw.polygon([(cx, cy - 30), (cx - 12, cy + 10), (cx + 12, cy + 10)], fill=(190, 60, 50))
    draw.text((cx, cy + 26), "北", font=font(20), fill=(60, 60, 60), anchor="mm")
    return _encode(image, name)


_ROOM_COLOURS = {
    "客厅": ((236, 226, 208), (150, 116, 82)),
    "主卧": ((226, 222, 232), (168, 140, 112)),
    "餐厨": ((232, 236, 232), (176, 170, 160)),
    "书房": ((222, 230, 222), (140, 110, 80)),
}


def sample_house_photo(*, project_name: str, room: str, seed: int, name: str) -> ContentFile:
    """A sample-house interior (样板间): wall, floor in perspective, a window, furniture blocks, a caption."""
    rng = random.Random(seed)  # noqa: S311 — pictures, not secrets
    width, height = 1000, 700
    wall, floor_colour = _ROOM_COLOURS.get(room, _ROOM_COLOURS["客厅"])
    image = Image.new("RGB", (width, height), wall)
    draw = ImageDraw.Draw(image, "RGBA")
    floor_y = int(height * 0.68)
    draw.polygon([(0, height), (width, height), (width - 140, floor_y), (140, floor_y)], fill=floor_colour)
    draw.polygon([(0, 0), (140, 60), (140, floor_y), (0, height)], fill=tuple(c - 18 for c in wall))
    draw.polygon(
        [(width, 0), (width - 140, 60), (width - 140, floor_y), (width, height)], fill=tuple(c - 10 for c in wall)
    )
    # Window with a view of the sky.
    wx0 = rng.randint(260, 420)
    window = [wx0, 110, wx0 + 320, floor_y - 90]
    sky = _gradient((window[2] - window[0], window[3] - window[1]), (120, 176, 228), (224, 238, 250))
    image.paste(sky, (window[0], window[1]))
    draw.rectangle(window, outline=(250, 250, 250), width=10)
    draw.line(
        [((window[0] + window[2]) // 2, window[1]), ((window[0] + window[2]) // 2, window[3])],
        fill=(250, 250, 250),
        width=6,
    )
    # Furniture by room.
    if room == "主卧":
        draw.rectangle([300, floor_y - 40, 700, floor_y + 110], fill=(248, 248, 246))
        draw.rectangle([300, floor_y - 110, 700, floor_y - 40], fill=(122, 96, 76))
        draw.rectangle([320, floor_y - 20, 480, floor_y + 20], fill=(210, 220, 232))
        draw.rectangle([520, floor_y - 20, 680, floor_y + 20], fill=(210, 220, 232))
    elif room == "餐厨":
        draw.rectangle([150, floor_y - 160, 420, floor_y + 20], fill=(250, 250, 250), outline=(200, 200, 200))
        draw.rectangle([520, floor_y + 10, 860, floor_y + 40], fill=(128, 94, 64))
        for chair_x in (540, 640, 740, 820):
            draw.rectangle([chair_x, floor_y + 40, chair_x + 30, floor_y + 110], fill=(90, 70, 52))
    else:
        draw.rounded_rectangle([220, floor_y - 30, 640, floor_y + 90], radius=18, fill=(104, 116, 132))
        draw.rounded_rectangle([240, floor_y - 90, 620, floor_y - 20], radius=14, fill=(124, 138, 154))
        draw.ellipse([680, floor_y + 30, 880, floor_y + 110], fill=(160, 122, 86))
        draw.rectangle([760, floor_y - 140, 790, floor_y + 40], fill=(70, 120, 76))
        draw.ellipse([720, floor_y - 230, 830, floor_y - 110], fill=(80, 150, 90))
    draw.rectangle([0, 0, width, 64], fill=(0, 0, 0, 110))
    draw.text((24, 12), f"{project_name} · 样板间 · {room}", font=font(30), fill=(255, 255, 255))
    return _encode(image, name)


def company_logo(*, text: str, name: str) -> ContentFile:
    """A round brand mark with the short name."""
    image = Image.new("RGB", (400, 400), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.ellipse([20, 20, 380, 380], fill=(176, 38, 44))
    draw.ellipse([44, 44, 356, 356], outline=(255, 236, 200), width=6)
    draw.text((200, 200), text, font=font(110, bold=True), fill=(255, 255, 255), anchor="mm")
    return _encode(image, name)


def company_banner(*, title: str, slogan: str, name: str) -> ContentFile:
    """The brand banner (形象图): a warm gradient with the company name and slogan."""
    image = _gradient((1600, 500), (176, 38, 44), (236, 146, 88))
    draw = ImageDraw.Draw(image, "RGBA")
    for index in range(6):
        draw.ellipse(
            [1100 + index * 60, -200 + index * 40, 1700 + index * 60, 400 + index * 40],
            outline=(255, 255, 255, 40),
            width=3,
        )
    _shadowed_text(draw, (90, 150), title, 84, bold=True)
    _shadowed_text(draw, (96, 290), slogan, 44)
    return _encode(image, name)
