"""Frame pixels: reading any image as RGB, fitting the seed to the video size, the seed's zoom
and colour balance, and atomic writes (a killed render never leaves half a frame)."""

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError


class ImageError(ValueError):
    pass


def read_rgb(path):
    """Any image file → H x W x 3 uint8. Greyscale, palette, 16-bit and alpha images are
    converted explicitly: 16-bit scaled to 8, alpha composited over black, EXIF rotation applied."""
    path = Path(path)
    if not path.is_file():
        raise ImageError(f"{path}: no such file")
    try:
        with Image.open(path) as img:
            img.load()
            img = ImageOps.exif_transpose(img)
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as err:
        raise ImageError(f"{path}: not a readable image ({err})") from None
    if img.mode in ("I;16", "I;16B", "I;16L", "I"):
        pixels = np.asarray(img, dtype=np.float64)
        peak = 65535.0 if img.mode.startswith("I;16") or pixels.max() > 255 else 255.0
        img = Image.fromarray(np.round(pixels * 255.0 / peak).clip(0, 255).astype(np.uint8), "L")
    if img.mode == "P":
        img = img.convert("RGBA" if "transparency" in img.info else "RGB")
    if img.mode in ("RGBA", "LA", "PA"):
        img = img.convert("RGBA")
        black = Image.new("RGBA", img.size, (0, 0, 0, 255))
        img = Image.alpha_composite(black, img)
    return np.asarray(img.convert("RGB"))


def fit(pixels, size):
    """Scale and centre-crop to cover `size` = (width, height) without distortion."""
    img = Image.fromarray(pixels)
    if img.size == tuple(size):
        return pixels
    return np.asarray(ImageOps.fit(img, tuple(size), Image.Resampling.LANCZOS))


def zoom(pixels, zoom_speed):
    """The seed's zoom: trim size // zoom_speed pixels off each side, resize back."""
    if not zoom_speed:
        return pixels
    height, width = pixels.shape[:2]
    trim_y, trim_x = height // zoom_speed, width // zoom_speed
    if not (trim_x or trim_y):
        return pixels
    img = Image.fromarray(pixels).crop((trim_x, trim_y, width - trim_x, height - trim_y))
    return np.asarray(img.resize((width, height), Image.Resampling.LANCZOS))


def balance(pixels, color_balance, reference_brightness):
    """The seed's colour balance: pull the mean brightness back to `reference_brightness`,
    taking balance[c] * 3 of the difference from channel c (weights summing to 1 keep it)."""
    image = pixels.astype(np.float32)
    drift = float(image.mean()) - reference_brightness
    image -= np.asarray(color_balance, np.float32) * 3.0 * drift
    return np.clip(image, 0.0, 255.0)


def write_atomic(pixels, path, **save_args):
    """Write to a temporary file beside `path`, then rename over it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp{path.suffix}")
    try:
        Image.fromarray(pixels).save(tmp, **save_args)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
