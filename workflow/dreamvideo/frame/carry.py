"""Carrying the previous dream into a video's next source frame (DeepDreamAnim's way, along the
optical flow of flow.py, or graphific's plain blend without one): the video chain's carry step."""

import numpy as np

from .flow import warp

MODES = ("dream", "residual")


def carry(
    dream_prev, source_prev, source_cur, amount, flow=None, mask=None, move=None, mode="dream", resample="lanczos"
):
    """The image frame t dreams on: source frame t with `amount` of the previous dream carried
    into it. With a flow, where the mask says the flow holds (newly revealed areas start from
    the source alone):
      dream     the previous dream, moved along the flow, blended in (DeepDreamAnim's way);
      residual  what dreaming added to frame t-1 (dream - source), moved along the flow, added
                to the fresh source (the footage stays sharp; the dream flickers more: benchmarks/).
    Without a flow, graphific's blend: (1-amount)·source + amount·previous dream.
    `move`: a camera move for what is carried (the dream drifts over the footage).
    `resample`: how the carried image is moved along the flow. Bilinear blurs a little at every
    subpixel shift and it compounds over frames (the demo kept 11.0 of its source's 15.5 units of
    fine detail); Lanczos (the default) keeps it (benchmarks/look.md, "The video demo")."""
    move = move or (lambda image: image)
    source_cur = source_cur.astype(np.float32)
    dream_prev = dream_prev.astype(np.float32)
    if flow is None:
        return np.clip((1 - amount) * source_cur + amount * move(dream_prev), 0, 255)
    if mode == "residual":
        residual = warp(dream_prev - source_prev.astype(np.float32), flow, resample=resample) * mask[..., None]
        return np.clip(source_cur + amount * move(residual), 0, 255)
    share = amount * mask[..., None]
    return np.clip((1 - share) * source_cur + share * move(warp(dream_prev, flow, resample=resample)), 0, 255)
