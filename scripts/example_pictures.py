"""The README's pictures of masks and guides: renders the example dreams of docs/examples/ through
Snakemake (as the README's commands do) and puts their last frames beside the seed image, labelled,
in docs/mask_guide.jpg.

    python scripts/example_pictures.py
"""

import subprocess
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

REPO = Path(__file__).resolve().parents[1]
SHOWN = [  # (dream, label); None: the seed image
    (None, "seed image"),
    ("masked", "mask: docs/examples/disc.png (feather 12)"),
    ("guided_waves", "guide: docs/examples/waves.png"),
    ("guided_cells", "guide: docs/examples/cells.png"),
]


def last_frame(name):
    frames = sorted((REPO / f"dreams/{name}/frames").glob("[0-9]*.png"))
    return Image.open(frames[-1]).convert("RGB")


def main():
    names = [name for name, _ in SHOWN if name]
    targets = [f"dreams/{name}/video.mp4" for name in names]
    snakemake = Path(sys.executable).with_name("snakemake")
    subprocess.run([str(snakemake), "--cores", "2", *targets, "--config", "specs=docs/examples"], cwd=REPO, check=True)
    tile, label_h = (640, 360), 30
    sheet = Image.new("RGB", (2 * tile[0], 2 * (tile[1] + label_h)), "white")
    draw, font = ImageDraw.Draw(sheet), ImageFont.load_default(size=20)
    for k, (name, label) in enumerate(SHOWN):
        picture = (
            Image.open(REPO / "dreams/fractal_light/img_0.jpg").convert("RGB") if name is None else last_frame(name)
        )
        x, y = (k % 2) * tile[0], (k // 2) * (tile[1] + label_h)
        sheet.paste(picture.resize(tile), (x, y + label_h))
        draw.text((x + 8, y + 4), label, fill="black", font=font)
    out = REPO / "docs/mask_guide.jpg"
    sheet.save(out, quality=88)
    print(f"wrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
