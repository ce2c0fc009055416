"""Writes a photo of a windshield VIN plate as a counter webcam sees it, held up to the glass:
a 1280x720 colour JPEG — dark dashboard, the glass's reflections, the small riveted plate at the
base of the windshield with its VIN in stamped letters, tilted and seen a little from the side.
No barcode on it: the camera scanner must read the text.

    python make_windshield_plate.py OUT.jpg [VIN]

Used by the end-to-end test (a photo of a plate fills a new repair order). Deterministic."""

import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
FONT = HERE.parent.parent / "assets" / "fonts" / "DejaVuSansCondensed-Bold.ttf"


def plate(vin):
    """The aluminium plate: brushed grey, two rivets, the VIN in dark stamped letters."""
    font = ImageFont.truetype(str(FONT), 64)
    left, top, right, bottom = font.getbbox(vin)
    width, height = right - left + 120, bottom - top + 70
    im = Image.new("RGB", (width, height), (178, 180, 176))
    draw = ImageDraw.Draw(im)
    rng = random.Random(7)
    for y in range(height):  # brushed metal: faint horizontal streaks
        shade = 170 + rng.randint(-8, 8)
        draw.line([(0, y), (width, y)], fill=(shade, shade + 2, shade - 2))
    for x in (22, width - 22):
        draw.ellipse((x - 9, height // 2 - 9, x + 9, height // 2 + 9), fill=(120, 120, 118), outline=(90, 90, 90))
    # stamped: a light edge below each letter, the letter dark above it
    draw.text((60 - left + 2, 35 - top + 2), vin, fill=(210, 210, 205), font=font)
    draw.text((60 - left, 35 - top), vin, fill=(38, 38, 42), font=font)
    return im


def photo(vin):
    rng = random.Random(11)
    frame = Image.new("RGB", (1280, 720), (0, 0, 0))
    draw = ImageDraw.Draw(frame)
    for y in range(720):  # the dashboard's dark top, lit from the windshield
        v = int(28 + 40 * (y / 720) ** 1.5)
        draw.line([(0, y), (1280, y)], fill=(v, v, v + 4))
    for _ in range(9000):  # the dashboard's grain
        x, y = rng.randrange(1280), rng.randrange(720)
        v = rng.randint(20, 70)
        draw.point((x, y), fill=(v, v, v))
    metal = plate(vin).convert("RGBA").rotate(-4, resample=Image.BICUBIC, expand=True)
    # seen a little from the side: the far end narrower
    w, h = metal.size
    squeeze = h * 0.08
    metal = metal.transform(
        (w, h),
        Image.QUAD,
        (0, 0, 0, h, w, h + squeeze, w, -squeeze),
        resample=Image.BICUBIC,
    )
    frame.paste(metal, ((1280 - w) // 2, (720 - h) // 2 + 10), metal)
    # the glass: a soft reflection band across the plate, and a little softness
    glare = Image.new("L", frame.size, 0)
    ImageDraw.Draw(glare).polygon([(300, 0), (520, 0), (900, 720), (680, 720)], fill=70)
    glare = glare.filter(ImageFilter.GaussianBlur(60))
    frame = Image.composite(Image.new("RGB", frame.size, (235, 240, 250)), frame, glare)
    return frame.filter(ImageFilter.GaussianBlur(0.8))


if __name__ == "__main__":
    out = Path(sys.argv[1])
    photo(sys.argv[2] if len(sys.argv) > 2 else "4A3AA46G3WE014285").save(out, quality=88)
    print(out)
