"""Regenerate the README gallery: one dream per layer 1..11 of the default model on the demo's
seed image, written to docs/gallery/ as small JPEGs (`make gallery`)."""

import argparse
import sys
import time
from pathlib import Path

from dreamvideo.frame import pictures
from dreamvideo.network import dream, models, weights

REPO = Path(__file__).resolve().parents[1]


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--image", default=str(REPO / "dreams/fractal_light/img_0.jpg"))
    p.add_argument("--out", default=str(REPO / "docs/gallery"))
    p.add_argument("--model", default=models.DEFAULT_MODEL, choices=sorted(models.MODELS))
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    out = Path(args.out)
    model = models.get(args.model)
    weights.prepare(model.name)
    pixels = pictures.read_rgb(args.image)
    pictures.write_atomic(pixels, out / "input.jpg", quality=85)
    for number in range(1, len(model.layers) + 1):
        start = time.monotonic()
        result = dream.dreamer(model.name, number)(
            pixels, num_iterations=10, step_size=3.0, num_repeats=4, seed=args.seed
        )
        path = out / f"layer_{number:02d}.jpg"
        pictures.write_atomic(dream.to_uint8(result), path, quality=85)
        print(
            f"layer {number:2d} ({model.layer_name(number)}): {path.relative_to(REPO)}, "
            f"{time.monotonic() - start:.1f} s, {path.stat().st_size // 1024} KB",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()
