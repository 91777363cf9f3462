"""Draw the favicon's PNG and ICO from the same shapes as favicon.svg (a white shield with a check on the navbar's
red), for browsers that take no SVG icon (WeChat's built-in browser, older Windows).

    .venv/bin/python scripts/favicon.py
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageDraw

STATIC = Path(__file__).resolve().parent.parent / "netconduct" / "static" / "netconduct"
RED = (179, 38, 30, 255)  # --nc-red
WHITE = (255, 255, 255, 255)
BIG = 1024  # drawn large, then scaled down: Pillow does not antialias shapes
UNIT = BIG / 64  # favicon.svg's viewBox is 64 × 64


def _cubic(p0, p1, p2, p3, steps=24):
    return [
        (
            (1 - t) ** 3 * p0[0] + 3 * (1 - t) ** 2 * t * p1[0] + 3 * (1 - t) * t**2 * p2[0] + t**3 * p3[0],
            (1 - t) ** 3 * p0[1] + 3 * (1 - t) ** 2 * t * p1[1] + 3 * (1 - t) * t**2 * p2[1] + t**3 * p3[1],
        )
        for t in (k / steps for k in range(steps + 1))
    ]


def draw() -> Image.Image:
    image = Image.new("RGBA", (BIG, BIG), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle([0, 0, BIG - 1, BIG - 1], radius=12 * UNIT, fill=RED)
    # M32 9 L51 16 V31 C51 43 43 51 32 56 C21 51 13 43 13 31 V16 Z
    shield = [(32, 9), (51, 16), (51, 31), *_cubic((51, 31), (51, 43), (43, 51), (32, 56))]
    shield += [*_cubic((32, 56), (21, 51), (13, 43), (13, 31)), (13, 16)]
    pen.polygon([(x * UNIT, y * UNIT) for x, y in shield], fill=WHITE)
    # M22 32 L29 39 L43 24, stroke 6, round caps and joins
    check = [(22 * UNIT, 32 * UNIT), (29 * UNIT, 39 * UNIT), (43 * UNIT, 24 * UNIT)]
    width = 6 * UNIT
    pen.line(check, fill=RED, width=round(width), joint="curve")
    for x, y in (check[0], check[-1]):
        pen.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill=RED)
    return image


def main() -> None:
    icon = draw()
    icon.resize((180, 180), Image.LANCZOS).save(STATIC / "favicon-180.png", optimize=True)
    icon.resize((32, 32), Image.LANCZOS).save(STATIC / "favicon-32.png", optimize=True)
    icon.resize((256, 256), Image.LANCZOS).save(STATIC / "favicon.ico", sizes=[(16, 16), (32, 32), (48, 48)])


if __name__ == "__main__":
    main()
