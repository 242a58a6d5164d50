"""The mask and guide images of the README's examples (docs/examples/), generated here so they are
project code, not third-party material; rerunning writes the same bytes.

    python scripts/make_example_assets.py
"""

from pathlib import Path

import numpy as np
from PIL import Image

OUT = Path(__file__).resolve().parents[1] / "docs" / "examples"
W, H = 640, 360


def disc():
    """A white disc (the middle third of the height across) on black: where the dream may go."""
    y, x = np.mgrid[:H, :W]
    inside = (x - W / 2) ** 2 + (y - H / 2) ** 2 < (H * 0.38) ** 2
    return (inside * 255).astype(np.uint8)


def waves():
    """Warm horizontal waves: bands of orange and deep blue that wobble a little."""
    y, x = np.mgrid[:H, :W].astype(np.float64)
    t = 0.5 + 0.5 * np.sin(2 * np.pi * (y + 6 * np.sin(2 * np.pi * x / 90)) / 22)
    warm, cold = np.array([255, 150, 40]), np.array([20, 30, 120])
    return np.round(cold + t[..., None] * (warm - cold)).astype(np.uint8)


def cells():
    """Green-white cells: a jittered grid of bright rings on dark teal."""
    rng = np.random.default_rng(5)
    y, x = np.mgrid[:H, :W].astype(np.float64)
    image = np.zeros((H, W, 3)) + np.array([10, 50, 55])
    for cy in range(0, H + 30, 30):
        for cx in range(0, W + 30, 30):
            px, py = cx + rng.uniform(-6, 6), cy + rng.uniform(-6, 6)
            d = np.sqrt((x - px) ** 2 + (y - py) ** 2)
            ring = np.exp(-((d - 10) ** 2) / 4.0)
            image += ring[..., None] * np.array([170, 230, 150])
    return np.clip(np.round(image), 0, 255).astype(np.uint8)


def write(out=OUT):
    out.mkdir(parents=True, exist_ok=True)
    for name, make in (("disc", disc), ("waves", waves), ("cells", cells)):
        Image.fromarray(make()).save(out / f"{name}.png", optimize=True)


if __name__ == "__main__":
    write()
    print(f"wrote disc.png, waves.png and cells.png to {OUT}")
