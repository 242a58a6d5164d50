"""Fetch, verify and convert models' weights into the cache: `python scripts/prepare_model.py [MODEL ...]`."""
import argparse
import sys

from dreamvideo.network import models, weights  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("model", nargs="*", default=[models.DEFAULT_MODEL], choices=sorted(models.MODELS))
    args = parser.parse_args()
    try:
        for name in args.model:
            weights.prepare(name)
    except models.ModelError as err:
        sys.exit(f"error: {err}")


if __name__ == "__main__":
    main()
