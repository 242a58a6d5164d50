"""Frame jobs: what one Snakemake job does with its plan record. Frame i is made from frame i-1
*as saved*, so a resumed render equals an uninterrupted one byte for byte."""

from . import camera, colour, frame

DREAM_SETTINGS = ("num_iterations", "step_size", "rescale_factor", "num_repeats", "blend", "tile_size")


def seed_frame(record, out_path):
    """Frame 0: the seed image fitted to the video size."""
    pixels = frame.fit(frame.read_rgb(record["seed_image"]), record["size"])
    frame.write_frame(pixels, out_path)


def prepare(pixels, record):
    """What happens to frame i-1 before frame i dreams on it: the camera move (one affine
    warp) and the colour control: steering to the target colour when set, and the seed's
    balance (its weights are 0 where a target colour replaces it, except in a transition)."""
    height, width = pixels.shape[:2]
    m = camera.matrix(width, height, zoom=record["zoom"], angle=record["angle"], translate_x=record["translate_x"],
                      translate_y=record["translate_y"], center=record["center"], zoom_speed=record["zoom_speed"],
                      trim_size=record.get("trim_size"))  # only a preview's records have it
    pixels = camera.warp(pixels, m, record["border"])
    if record["target_color"] is not None:
        pixels = colour.steer(pixels, record["target_color"], record["color_rate"])
        if not any(record["color_balance"]):  # steering alone: steer clipped, balance would only copy
            return pixels
    return colour.balance(pixels, record["color_balance"], record["reference_brightness"])


def dream_frame(prev_path, record, out_path):
    """Frame i: move and colour frame i-1 as saved, then dream on it."""
    from . import dream  # TensorFlow loads only when a frame is dreamed, not for a dry run

    pixels = prepare(frame.read_frame(prev_path), record)
    dreamer = dream.dreamer(record["model"], record["objective"], record["precision"])
    weights = [weight for _, weight, _ in record["objective"]]
    result = dreamer(pixels, seed=record["seed"], weights=weights, **{k: record[k] for k in DREAM_SETTINGS})
    frame.write_frame(dream.to_uint8(result), out_path)
