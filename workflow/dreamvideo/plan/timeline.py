"""A dream's timeline: how many frames each segment lasts, where it starts and over how many
frames it eases in from the segment before; for an image dream from `frames` / `seconds`, for a
video dream laid over its clip (the last segment runs to the clip's end), and with `snap: beat`
segments moved onto the soundtrack's beats."""

from dataclasses import dataclass

from .. import media
from ..frame import source


@dataclass(frozen=True)
class Timeline:
    counts: tuple  # frames of each segment; segment 0's first frame is the video's frame 0
    transitions: tuple  # transitions[s]: frames at segment s's start easing in from s - 1 (0 for s = 0)

    @property
    def total(self):
        return sum(self.counts)

    def start(self, s):
        return sum(self.counts[:s])

    def span(self, s):
        """Frames whose settings segment s gives: its own and the next segment's transition."""
        return self.counts[s] + (self.transitions[s + 1] if s + 1 < len(self.counts) else 0)

    def segment_of(self, index):
        return max(s for s in range(len(self.counts)) if self.start(s) <= index)


def counts(segments, fps):
    """Each segment's frames, from `frames` or `seconds` (at least one)."""
    return [seg["frames"] if "frames" in seg else max(1, round(seg["seconds"] * fps)) for seg in segments]


def fitted(counts, clip_frames, fail):
    """Segment lengths laid over a clip: the last segment runs to the clip's end."""
    before = sum(counts[:-1])
    if before >= clip_frames:
        fail(
            f"segments[{len(counts) - 1}]",
            f"starts at frame {before}, past the clip's {clip_frames} frames: "
            "shorten the segments before it or remove it",
        )
    return [*counts[:-1], clip_frames - before]


def snapped(counts, segments, beats, fail):
    """Segment lengths with each `snap: beat` segment's start moved to the nearest beat frame that
    leaves both neighbours at least one frame; the video's length stays the same."""
    counts = list(counts)
    for s, seg in enumerate(segments):
        if "snap" not in seg:
            continue
        if s == 0:
            fail("segments[0].snap", "the first segment starts the video at frame 0: remove `snap`")
        start, next_start = sum(counts[:s]), sum(counts[: s + 1])
        inside = [b for b in beats if sum(counts[: s - 1]) < b < next_start]
        if inside:
            best = min(inside, key=lambda b: (abs(b - start), b))
            counts[s - 1] += best - start
            counts[s] -= best - start
    return counts


def frames_of(value, fps, field, fail):
    """A `transition` length: frames (int) or seconds ('1.5s' or a number with `s`)."""
    if isinstance(value, str):
        try:
            return max(0, round(float(value.rstrip("s")) * fps)) if value.endswith("s") else int(value)
        except ValueError:
            fail(field, f"{value!r} is not a number of frames or seconds (e.g. 12 or '0.5s')")
    return int(value)


def of(segments, counts, fps, fail):
    """The Timeline of `segments` with these `counts`; a transition is at most its segment's length."""
    transitions = [0] + [
        min(counts[s], frames_of(seg.get("transition", 0), fps, f"segments[{s}].transition", fail))
        for s, seg in enumerate(segments)
        if s > 0
    ]
    return Timeline(tuple(counts), tuple(transitions))


def clip(spec, fail):
    """A video dream's (natural size, fps, frame count, soundtrack) from its clip's header."""
    path = spec["video"]
    if "seed_image" in spec:
        fail("video", "a dream starts from `video` or from `seed_image`, not both: remove one")
    try:
        info = source.probe(path)
    except media.MediaError as err:
        fail("video", f"{err} (give a video file, e.g. .mp4, .mov, .mkv, .webm)")
    start, end = spec["start"], spec.get("end")
    if start >= info["duration"]:
        fail("start", f"{start:g} s is past the clip's end ({info['duration']:g} s)")
    if end is not None and end <= start:
        fail("end", f"{end:g} s is not after `start` ({start:g} s)")
    fps = spec.get("fps", info["fps"])
    count = source.frame_count(info["duration"], fps, start, end)
    if count < 1:
        fail("video", f"{path}: shorter than one frame at {fps:g} fps from {start:g} s")
    soundtrack = spec.get("audio", path if info["audio"] else None)
    return info["size"], fps, count, soundtrack
