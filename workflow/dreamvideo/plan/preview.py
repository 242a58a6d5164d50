"""The draft preview: the whole dream at `preview_scale` of its size, to check timing, layers,
motion and colour in a minute before committing hours to the full render.

A preview frame's record is the real frame's record with only what the size changes: frame 0
fits the seed image to the smaller size, `tile_size` shrinks with the frame (the same tile grid), and
`trim_size` keeps the original project's zoom (`zoom_speed`) at the full render's pace (its trims are whole
pixels of the full size; at a quarter of it, 640 // 256 = 2 would become 160 // 256 = 0, no
zoom). Everything else (camera, colour, objective, seed) is a share of the frame or size-free.
What cannot scale is the network's own pixel scale: its patterns come out 1 / preview_scale
times coarser against the frame, and octaves below the network's minimum input are skipped."""

import dataclasses
import functools
import json

from . import records, spec


def preview_size(size, scale):
    """(width, height) times `scale`, made even, at least 16 (the spec's minimum) and at most `size`."""
    return tuple(min(side, max(16, round(side * scale / 2) * 2)) for side in size)


def plan(full, scale):
    """The preview's plan of a full plan at `scale` (the spec's preview_scale): same frames, fps and
    audio, under dreams/<name>/preview/."""
    size = preview_size(full.size, scale)
    scale = size[0] / full.size[0]  # the tiles follow the width, as the frame does (sizes are made even)
    small = dataclasses.replace(full, size=size, folder="preview")
    mask_dirs = {full.mask_dir(n): small.mask_dir(n) for n in range(len(full.mask_videos))}

    def smaller_mask(layer):  # a feather of full-size pixels; mask videos extracted at the preview's size
        folder = {"folder": mask_dirs[layer["folder"]]} if "folder" in layer else {}
        return {**layer, "feather": float(f"{layer['feather'] * scale:.9g}"), **folder}

    def smaller(record):
        masked = {"mask": list(map(smaller_mask, record["mask"]))} if "mask" in record else {}
        return {
            **record,
            "tile_size": max(1, round(record["tile_size"] * scale)) if record["tile_size"] else 0,
            "trim_size": list(full.size),
            **masked,
        }

    def fitted(record):  # a seed image is fitted to the preview's size; a video's footage is extracted at it
        return smaller(record) if records.dreams(record) else {**record, "size": list(size)}

    aside = tuple((key, fitted(record)) for key, record in full.aside)
    return dataclasses.replace(small, frames=tuple(map(fitted, full.frames)), aside=aside)


@functools.cache
def plan_for(name, specs_dir="config/dreams", shared_json="{}"):
    """Cached preview plan of spec.plan_for's plan (same arguments)."""
    scale = spec.load(name, specs_dir, json.loads(shared_json))["preview_scale"]
    return plan(spec.plan_for(name, specs_dir, shared_json), scale)
