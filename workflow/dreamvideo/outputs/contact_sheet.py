"""A contact sheet: every Nth frame of a render in one grid, each labelled with its frame number,
time, segment and layer (from its plan record), to see a whole dream at a glance."""

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from ..frame import pictures
from ..plan.records import dreams
from . import plot

TILES = 24  # about this many frames on a sheet: 6 columns x 4 rows
COLUMNS = 6
TILE_WIDTH = 320  # pixels; frames are scaled to it, a preview's up, a full render's down
FONT = 14


def every(count, tiles=TILES):
    """The frames to show of `count`: 0, N, 2N, ... and the last, N the smallest step giving at
    most `tiles` of them."""
    if count <= tiles:
        return list(range(count))
    step = math.ceil((count - 1) / (tiles - 1))
    picked = list(range(0, count, step))
    return picked if picked[-1] == count - 1 else picked + [count - 1]


def segment_text(record):
    """`segment 1 · mixed3`; a transition's mix with its weights to 2 places: `mixed1*0.33+mixed3*0.67`."""
    short = [[layer, round(weight, 2), *rest] for layer, weight, *rest in record["objective"]]
    return f"segment {record['segment']} · {plot.layer_text({'objective': short})}"


def labels(records, fps, indexes):
    """Two lines per frame: `frame 48 · 2.00 s` and `segment 1 · mixed3` (an image dream's frame 0: `seed image`)."""
    out = []
    for i in indexes:
        record = records[i]
        # An image dream's frame 0 is its seed image; a video dream dreams its frame 0 too.
        second = segment_text(record) if dreams(record) else "seed image"
        out.append(f"frame {i} · {i / fps:.2f} s\n{second}")
    return out


def write(frame_paths, texts, out_path, title=""):
    """The frames in a grid of COLUMNS, each over its label, `title` on top; JPEG, written atomically."""
    font = ImageFont.load_default(size=FONT)
    first = pictures.read_frame(frame_paths[0])
    tile_h = round(TILE_WIDTH * first.shape[0] / first.shape[1])
    label_h, pad, title_h = 2 * FONT + 10, 6, (FONT + 16 if title else 0)
    columns = min(COLUMNS, len(frame_paths))
    rows = math.ceil(len(frame_paths) / columns)
    cell_w, cell_h = TILE_WIDTH + pad, tile_h + label_h + pad
    sheet = Image.new("RGB", (columns * cell_w + pad, rows * cell_h + pad + title_h), (24, 24, 24))
    draw = ImageDraw.Draw(sheet)
    if title:
        draw.text((pad, pad), title, fill=(235, 235, 235), font=font)
    for k, (path, text) in enumerate(zip(frame_paths, texts)):
        x, y = pad + k % columns * cell_w, title_h + pad + k // columns * cell_h
        thumb = Image.fromarray(pictures.read_frame(path)).resize((TILE_WIDTH, tile_h), Image.Resampling.LANCZOS)
        sheet.paste(thumb, (x, y))
        lines = text.split("\n")
        for n, line in enumerate(lines):
            while draw.textlength(line, font=font) > TILE_WIDTH and len(line) > 4:  # long layer mixes
                line = line[:-2] + "…"
            draw.text((x + 2, y + tile_h + 3 + n * (FONT + 3)), line, fill=(235, 235, 235), font=font)
    pictures.write_atomic(np.asarray(sheet), out_path, quality=88)
