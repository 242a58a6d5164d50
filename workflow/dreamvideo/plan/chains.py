"""Chains: which frame each frame is made from. A dream is one chain by default, each frame made
from the one before. `parallel:` splits a video dream into pieces and a segment's `start:` cuts an
image dream: each starts a chain of its own, which depends on nothing before it, so Snakemake can
run the chains side by side. A piece's chain starts `warmup` frames early (frames dreamed only to
let its dream settle); where two chains meet over a crossfade (a piece's `crossfade`, a cut's
`transition`), the chain before runs on through it and the video's frames there are joins of the
two (kind `join`). A chain's frames that are not the video's are kept aside (layout.ASIDE)."""

import itertools
import math
from dataclasses import dataclass

from . import schedule

AUTO_FRAMES = 240  # `pieces: auto`: one piece per this many frames (docs/scaling.md says why)


@dataclass(frozen=True)
class Link:
    """Where a chain starts."""

    start: int  # its first frame in the video
    warmup: int = 0  # frames it dreams before that, aside
    crossfade: int = 0  # frames over which the video crossfades into it (the chain before runs on through them)
    first: dict | None = None  # its first frame's record where it is not made like the rest (a cut's image)


def piece_starts(total, pieces, warmup, crossfade):
    """Where each piece after the first starts, sized so that the longest chain of frame jobs is as
    short as can be: piece p makes `warmup` frames (p > 0), its own, and runs on `crossfade` frames
    into the next (p < last), whose joins are one job deeper."""

    def sizes(depth):  # the most own frames each piece can have within `depth` jobs
        middle = [depth - 1 - warmup - crossfade] * (pieces - 2)
        return [depth - 1 - crossfade, *middle, depth - warmup] if pieces > 1 else [depth]

    depth = math.ceil(total / pieces)
    while sum(sizes(depth)) < total:
        depth += 1
    own = sizes(depth)
    for p in itertools.islice(itertools.cycle(range(pieces - 1, -1, -1)), sum(own) - total):
        own[p] -= 1  # the surplus, taken evenly from the last pieces first
    return list(itertools.accumulate(own))[:-1]


def depth(total, links):
    """The longest chain of frame jobs: each chain's frames, plus one for the joins it feeds."""
    stops = [link.start + link.crossfade for link in links[1:]] + [total]
    return max(
        stop - max(0, link.start - link.warmup) + (c + 1 < len(links) and links[c + 1].crossfade > 0)
        for c, (link, stop) in enumerate(zip(links, stops))
    )


def build(total, links, record_of):
    """(frames, aside, chains) of a dream of `total` frames whose chains start at `links` (the
    first at frame 0): the video's records, the chains' records kept aside (((chain, index),
    record), ...), and each video frame's chain, or (earlier, later) for a join. `record_of(index,
    first)`: the record of a chain's frame (`first`: the chain's first, which has nothing before)."""
    made = {}
    for c, link in enumerate(links):
        stop = links[c + 1].start + links[c + 1].crossfade if c + 1 < len(links) else total
        begin = max(0, link.start - link.warmup)
        for index in range(begin, stop):
            first = index == begin
            made[c, index] = link.first if first and link.first else record_of(index, first)
    frames, chains = [], []
    for index in range(total):
        c = max(c for c, link in enumerate(links) if link.start <= index)
        fading = index - links[c].start
        if c and fading < links[c].crossfade:
            w = float(f"{schedule.smoothstep((fading + 1) / (links[c].crossfade + 1)):.9g}")
            frames.append({**made[c - 1, index], "kind": "join", "join": w})
            chains.append((c - 1, c))
        else:
            frames.append(made[c, index])
            chains.append(c)
    aside = tuple((key, record) for key, record in made.items() if chains[key[1]] != key[0])
    return frames, aside, tuple(chains)


def links(spec, timeline, size, seed_image, fail):
    """Where a dream's chains start: frame 0, each piece of a video dream (`parallel:`), each cut of
    an image dream (a segment's `start:`)."""
    if spec.get("video") is not None:
        return [Link(0), *_pieces(spec, timeline.total, fail)]
    if "parallel" in spec:
        fail("parallel", "pieces are for video dreams: cut an image dream with a segment's `start:` instead")
    seed = {"kind": "seed_image", "seed_image": seed_image, "size": list(size)}
    return [Link(0, first=seed), *_cuts(spec, timeline, size, seed_image, fail)]


def _pieces(spec, total, fail):
    if "parallel" not in spec:
        return []
    parallel = spec["parallel"]
    pieces = max(1, round(total / AUTO_FRAMES)) if parallel["pieces"] == "auto" else parallel["pieces"]
    warmup, crossfade = parallel["warmup"], parallel["crossfade"]
    if pieces > total:
        fail("parallel.pieces", f"{pieces} pieces of a dream of {total} frames: give at most {total}")
    for key, frames in (("warmup", warmup), ("crossfade", crossfade)):
        if pieces > 1 and frames > total // pieces:
            fail(
                f"parallel.{key}",
                f"{frames} frames is longer than a piece ({total // pieces} frames): "
                f"make it shorter or the pieces fewer",
            )
    return [Link(start, min(warmup, start), crossfade) for start in piece_starts(total, pieces, warmup, crossfade)]


def _cuts(spec, timeline, size, seed_image, fail):
    """A link for each segment that starts from an image (`start: image` or a file)."""
    from ..frame import pictures

    found = []
    for s, segment in enumerate(spec["segments"]):
        if "start" not in segment:
            continue
        if s == 0:
            fail("segments[0].start", "the first segment starts from the seed image: set `seed_image:` instead")
        image = seed_image if segment["start"] == "image" else segment["start"]
        try:
            pictures.read_rgb(image)
        except pictures.ImageError as err:
            fail(f"segments[{s}].start", f"{err} (give `image` for the seed image, or an image file)")
        first = {"kind": "seed_image", "seed_image": image, "size": list(size)}
        found.append(Link(timeline.start(s), crossfade=timeline.transitions[s], first=first))
    return found
