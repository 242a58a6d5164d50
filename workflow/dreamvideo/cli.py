"""The package's commands, installed into the venv by pyproject.toml's [project.scripts]:
`dream-image` (one image) and `prepare-model` (the weights' cache)."""

import argparse
import sys
import time
from pathlib import Path

from dreamvideo.network import models, weights

DREAM_IMAGE = """Dream on one image, the original project's single-image tool:

    dream-image in.jpg out.jpg --layer 6 --seed 1

The output has the input's size. Layers: a number 1..11 (1 shallow: wavy lines … 11 deep: birds)
or a layer name of the model."""

PREPARE_MODEL = "Fetch, verify and convert models' weights into the cache: `prepare-model [MODEL ...]`."


def dream_image_args(argv=None):
    p = argparse.ArgumentParser(
        prog="dream-image", description=DREAM_IMAGE, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("input", help="image to dream on (any format Pillow reads)")
    p.add_argument("output", help="where to write the dream (.jpg, .png, ...)")
    p.add_argument("--layer", default="6", help="1..11 or a layer name (default 6)")
    p.add_argument("--model", default=models.DEFAULT_MODEL, choices=sorted(models.MODELS))
    p.add_argument("--iterations", type=int, default=10, help="gradient steps per octave (default 10)")
    p.add_argument("--step-size", type=float, default=3.0, help="pixels moved per step (default 3.0)")
    p.add_argument("--num-repeats", type=int, default=4, help="octaves below full size (default 4)")
    p.add_argument("--rescale-factor", type=float, default=0.7, help="size ratio between octaves (default 0.7)")
    p.add_argument(
        "--octave-mode",
        default="detail",
        choices=["detail", "blend"],
        help="detail: re-inject the detail downscaling lost (default); blend: the seed's octave blend",
    )
    p.add_argument(
        "--blend",
        type=float,
        default=0.2,
        help="with --octave-mode blend: share of the undreamed image per octave (default 0.2)",
    )
    p.add_argument("--tile-size", type=int, default=400, help="tile edge in pixels, 0 = one tile (default 400)")
    p.add_argument("--seed", type=int, default=0, help="random seed: same seed, same bytes (default 0)")
    p.add_argument(
        "--precision",
        default="auto",
        choices=("auto", *models.PRECISIONS),
        help="the network's arithmetic; bfloat16 pays off only on CPUs with AVX512_BF16 or AMX; "
        "auto (default): bfloat16 there, float32 elsewhere",
    )
    return p.parse_args(argv)


def dream_image(argv=None):
    """`dream-image IN OUT [options]`: one line on stderr and exit 1 for a bad layer, image or path."""
    args = dream_image_args(argv)
    from dreamvideo.frame import pictures

    out = Path(args.output)
    try:
        model = models.get(args.model)
        layer = model.layer_name(args.layer)
        if out.suffix.lower() not in pictures.Image.registered_extensions():
            raise ValueError(f"{out}: unknown image extension {out.suffix!r} (use .jpg or .png)")
        pixels = pictures.read_rgb(args.input)
        if not models.weights_path(model.name).exists():
            weights.prepare(model.name, log=lambda m: print(m, file=sys.stderr))
        from dreamvideo.network import dream

        precision = models.resolve_precision(args.precision, model.name)
        dreamer = dream.dreamer(model.name, layer, precision)
        octaves = args.num_repeats + 1
        print(
            f"dreaming {args.input} ({pixels.shape[1]}x{pixels.shape[0]}) on {model.name} {layer} ({precision}): "
            f"{octaves} octaves x {args.iterations} iterations",
            file=sys.stderr,
        )
        start = time.monotonic()
        result = dreamer(
            pixels,
            num_iterations=args.iterations,
            step_size=args.step_size,
            rescale_factor=args.rescale_factor,
            num_repeats=args.num_repeats,
            octave_mode=args.octave_mode,
            blend=args.blend,
            tile_size=args.tile_size,
            seed=args.seed,
            progress=lambda done, total: print(
                f"  octave {done}/{total}, {time.monotonic() - start:.1f} s", file=sys.stderr
            ),
        )
        pictures.write_atomic(
            pictures.to_uint8(result), out, **({"quality": 92} if out.suffix.lower() in (".jpg", ".jpeg") else {})
        )
    except (ValueError, OSError) as err:  # ModelError, ImageError and bad paths: one line, no output
        sys.exit(f"error: {err}")
    print(f"wrote {out} in {time.monotonic() - start:.1f} s", file=sys.stderr)


def prepare_model(argv=None):
    """`prepare-model [MODEL ...]` (default: the default model); a model already in the cache is left as it is."""
    parser = argparse.ArgumentParser(prog="prepare-model", description=PREPARE_MODEL)
    parser.add_argument("model", nargs="*", default=[models.DEFAULT_MODEL], choices=sorted(models.MODELS))
    args = parser.parse_args(argv)
    try:
        for name in args.model:
            weights.prepare(name)
    except models.ModelError as err:
        sys.exit(f"error: {err}")
