"""Writes a set of VIN pictures for the OCR tests and benchmark: valid VINs (real makers' WMIs,
right check digits) printed as a camera would see them — 1280x720 frames, several fonts (sans,
condensed, monospace, a dot-matrix "stamped" look) and one degradation each: clean, small, blur,
noise, heavy JPEG, rotation up to 10 degrees, perspective, low contrast, glare.

    python make_vin_images.py OUTDIR [PER_DEGRADATION] [SEED]

Writes OUTDIR/*.png|jpg and OUTDIR/manifest.json: [{"file", "vin", "degradation", "font"}].
Deterministic for a seed."""

import json
import math
import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

HERE = Path(__file__).resolve().parent
ASSETS = HERE.parent.parent / "assets" / "fonts"
FONTS = {
    "sans-bold": ASSETS / "DejaVuSansCondensed-Bold.ttf",
    "condensed": ASSETS / "DejaVuSansCondensed.ttf",
    "mono": Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf"),
    "stamped": ASSETS / "DejaVuSansCondensed-Bold.ttf",
}
# makers' WMIs the app's table knows (Honda, Ford, Toyota Canada, VW Mexico, BMW, Tesla, Hyundai…)
WMIS = ["1HG", "1FT", "2T1", "3VW", "WBA", "5YJ", "KMH", "JHM", "1G1", "4T1", "5NP", "JTD"]
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ0123456789"
YEAR_CODES = "ABCDEFGHJKLMNPRSTVWXY123456789"
VALUES = {**{str(d): d for d in range(10)}, **dict(zip("ABCDEFGH", range(1, 9))), **dict(zip("JKLMN", range(1, 6))),
          "P": 7, "R": 9, **dict(zip("STUVWXYZ", range(2, 10)))}
WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2]
DEGRADATIONS = ["clean", "small", "blur", "noise", "jpeg", "rotation", "perspective", "low_contrast", "glare"]


def vin(rng):
    body = rng.choice(WMIS) + "".join(rng.choice(LETTERS) for _ in range(5))
    tail = rng.choice(YEAR_CODES) + rng.choice(LETTERS) + "".join(rng.choice("0123456789") for _ in range(6))
    draft = body + "0" + tail
    total = sum(VALUES[c] * w for c, w in zip(draft, WEIGHTS)) % 11
    return body + ("X" if total == 10 else str(total)) + tail


def text_image(text, font_name, height, ink, paper):
    font_path = FONTS[font_name] if FONTS[font_name].exists() else FONTS["sans-bold"]
    font = ImageFont.truetype(str(font_path), height)
    left, top, right, bottom = font.getbbox(text)
    pad = height // 3
    im = Image.new("L", (right - left + 2 * pad, bottom - top + 2 * pad), paper)
    ImageDraw.Draw(im).text((pad - left, pad - top), text, fill=ink, font=font)
    if font_name == "stamped":
        # dot-matrix: the letters made of dots, like a stamped or printed VIN plate
        mask = Image.new("L", im.size, 0)
        d = ImageDraw.Draw(mask)
        step = max(3, height // 9)
        for y in range(0, im.height, step):
            for x in range(0, im.width, step):
                d.ellipse((x, y, x + step - 1, y + step - 1), fill=255)
        dots = Image.composite(im, Image.new("L", im.size, paper), mask)
        im = dots.filter(ImageFilter.GaussianBlur(0.6))
    return im


def frame(rng, vin_text, font_name, degradation):
    paper, ink = 225, 25
    height = 54
    if degradation == "small":
        height = 22
    if degradation == "low_contrast":
        paper, ink = 150, 105
    line = text_image(vin_text, font_name, height, ink, paper)
    canvas = Image.new("L", (1280, 720), paper)
    # some clutter, as around a plate: a border and a label
    d = ImageDraw.Draw(canvas)
    d.rectangle((60, 60, 1220, 660), outline=ink + 60, width=3)
    small_font = ImageFont.truetype(str(FONTS["condensed"]), 20)
    d.text((90, 90), "VEHICLE IDENTIFICATION", fill=ink + 40, font=small_font)
    x = (1280 - line.width) // 2 + rng.randint(-40, 40)
    y = (720 - line.height) // 2 + rng.randint(-60, 60)
    canvas.paste(line, (max(0, x), max(0, y)))
    if degradation == "blur":
        canvas = canvas.filter(ImageFilter.GaussianBlur(1.6))
    elif degradation == "noise":
        noise = Image.effect_noise(canvas.size, 28)
        canvas = Image.blend(canvas, noise, 0.25)
    elif degradation == "rotation":
        canvas = canvas.rotate(rng.choice([-1, 1]) * rng.uniform(4, 10), resample=Image.BICUBIC, fillcolor=paper)
    elif degradation == "perspective":
        # keystone: the far end of the line smaller, as shot at an angle
        w, h = canvas.size
        k = rng.uniform(0.08, 0.14) * h
        coeffs = perspective_coefficients(
            [(0, 0), (w, k), (w, h - k), (0, h)], [(0, 0), (w, 0), (w, h), (0, h)])
        canvas = canvas.transform(canvas.size, Image.PERSPECTIVE, coeffs, Image.BICUBIC, fillcolor=paper)
    elif degradation == "glare":
        glare = Image.new("L", canvas.size, 0)
        gd = ImageDraw.Draw(glare)
        cx = rng.randint(400, 880)
        for r in range(260, 0, -10):
            gd.ellipse((cx - r, 360 - r // 2, cx + r, 360 + r // 2), fill=int(200 * (1 - r / 260)))
        canvas = Image.composite(Image.new("L", canvas.size, 255), canvas, glare.filter(ImageFilter.GaussianBlur(25)))
    return canvas


def perspective_coefficients(source, target):
    # the 8 coefficients PIL's PERSPECTIVE transform takes, solved by Gaussian elimination
    rows, rhs = [], []
    for (x, y), (u, v) in zip(target, source):
        rows.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        rhs.append(u)
        rows.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        rhs.append(v)
    n = 8
    m = [row[:] + [b] for row, b in zip(rows, rhs)]
    for i in range(n):
        pivot = max(range(i, n), key=lambda r: abs(m[r][i]))
        m[i], m[pivot] = m[pivot], m[i]
        for r in range(n):
            if r != i:
                f = m[r][i] / m[i][i]
                m[r] = [a - f * b for a, b in zip(m[r], m[i])]
    return [m[i][n] / m[i][i] for i in range(n)]


def main():
    out = Path(sys.argv[1])
    per = int(sys.argv[2]) if len(sys.argv) > 2 else 12
    rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 17)
    out.mkdir(parents=True, exist_ok=True)
    manifest = []
    fonts = list(FONTS)
    for degradation in DEGRADATIONS:
        for i in range(per):
            text = vin(rng)
            font = fonts[i % len(fonts)]
            picture = frame(rng, text, font, degradation)
            name = f"{degradation}-{i:02}-{font}.{'jpg' if degradation == 'jpeg' else 'png'}"
            if degradation == "jpeg":
                picture.save(out / name, quality=22)
            else:
                picture.save(out / name)
            manifest.append({"file": name, "vin": text, "degradation": degradation, "font": font})
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1))
    print(f"{len(manifest)} pictures in {out}")


if __name__ == "__main__":
    main()
