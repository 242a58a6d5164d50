"""Regenerate the layer gallery (docs/layers.md): one dream per layer 1..11 of the default model on
the demo's seed image (the fractal) and on a real photograph (scikit-learn's china.jpg, a temple
over a lake, installed with the project), written to docs/gallery/ as small JPEGs (`make gallery`).
Files: input.jpg and layer_NN.jpg for the fractal, photo_input.jpg and photo_layer_NN.jpg for the
photograph, and the README's strip of the photograph and its dreams at layers 3, 6 and 9
(photo_strip.jpg)."""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import sklearn

from dreamvideo.frame import pictures
from dreamvideo.network import dream, models, weights

REPO = Path(__file__).resolve().parents[1]
PICTURES = {  # file prefix: image
    "": REPO / "dreams/fractal_light/img_0.jpg",
    "photo_": Path(sklearn.__file__).parent / "datasets/images/china.jpg",
}


def dream_layers(model, image, out, prefix, seed):
    """The input and one dream per layer, as out/<prefix>input.jpg and out/<prefix>layer_NN.jpg."""
    pixels = pictures.read_rgb(image)
    pictures.write_atomic(pixels, out / f"{prefix}input.jpg", quality=85)
    for number in range(1, len(model.layers) + 1):
        start = time.monotonic()
        result = dream.dreamer(model.name, number)(pixels, num_iterations=10, step_size=3.0, num_repeats=4, seed=seed)
        path = out / f"{prefix}layer_{number:02d}.jpg"
        pictures.write_atomic(pictures.to_uint8(result), path, quality=85)
        print(
            f"layer {number:2d} ({model.layer_name(number)}): {path.relative_to(REPO)}, "
            f"{time.monotonic() - start:.1f} s, {path.stat().st_size // 1024} KB",
            file=sys.stderr,
        )


def strip(out, prefix, layers=(3, 6, 9), width=320):
    """The input and the dreams of `layers`, side by side at `width` pixels each."""
    names = [f"{prefix}input.jpg", *(f"{prefix}layer_{number:02d}.jpg" for number in layers)]
    images = [pictures.read_rgb(out / name) for name in names]
    height = round(images[0].shape[0] * width / images[0].shape[1])
    row = np.concatenate([pictures.fit(image, (width, height)) for image in images], axis=1)
    pictures.write_atomic(row, out / f"{prefix}strip.jpg", quality=85)


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--only", choices=["fractal", "photo"], help="one of the two pictures (default both)")
    p.add_argument("--out", default=str(REPO / "docs/gallery"))
    p.add_argument("--model", default=models.DEFAULT_MODEL, choices=sorted(models.MODELS))
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    model = models.get(args.model)
    weights.prepare(model.name)
    for prefix, image in PICTURES.items():
        if args.only in (None, "photo" if prefix else "fractal"):
            dream_layers(model, image, Path(args.out), prefix, args.seed)
            if prefix:
                strip(Path(args.out), prefix)


if __name__ == "__main__":
    main()
