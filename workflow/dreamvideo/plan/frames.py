"""A dream's frame plan: one record per frame (records.py) and every file its jobs read and write
(layout.py), what spec.plan makes of a spec and what the workflow's rules ask."""

from dataclasses import dataclass

from .. import layout
from ..network import models
from . import audio, records


@dataclass(frozen=True)
class Plan:
    name: str
    seed_image: str | None  # None for a video dream
    audio: str | None
    fps: float
    size: tuple  # (width, height)
    model: str
    frames: tuple  # frames[i] is the record of frame i (records.py: its `kind` says how it is made)
    audio_offset: float = 0.0
    beat_decay: float = 0.25
    audio_bands: tuple = (250, 4000)
    video: str | None = None  # a video dream's clip
    start: float = 0.0  # where in the clip it starts (s)
    flow: str = "none"  # the flow method between its frames
    threads: int = 1  # CPU threads of a frame job (its records say the same)
    folder: str = "frames"  # where the frames go: "frames", or "preview" for the draft preview
    mask_videos: tuple = ()  # (path, frames used) of each mask video its records use; extracted to mask_dir(n)

    # Its files (layout.py): frames, mask videos' frames, a video dream's footage at this plan's
    # size and the flow between its frames (one folder per method).
    def frame_path(self, index):
        return layout.frame(self.name, self.folder, index)

    def mask_dir(self, number):
        """Where mask video `number` (of mask_videos) is extracted, one frame per dream frame."""
        return layout.mask(self.name, self.folder, number)

    def source_dir(self):
        return layout.source(self.name, self.folder)

    def flow_dir(self):
        return layout.flow(self.name, self.folder, self.flow)

    def frame_paths(self):
        return [self.frame_path(i) for i in range(len(self.frames))]

    def inputs(self, frames, previous=None):
        """The inputs of a job making `frames` (records) of this plan: what their kinds read
        (records.KINDS), as this plan's files: `previous` (the frame before them, or what stands
        for it), the seed image, the model's weights, a video dream's footage and flow, and the
        mask and guide files their records name (`guidance`)."""
        files = {
            "previous": previous,
            "seed_image": self.seed_image,
            "model_weights": str(models.weights_path(self.model)),
            "source": self.source_dir(),
            "flow": self.flow_dir(),
        }
        names = {name for record in frames for name in records.reads(record)}
        inputs = {name: path for name, path in files.items() if name in names and path}
        guidance = list(dict.fromkeys(path for record in frames for path in records.guidance(record)))
        return {**inputs, **({"guidance": guidance} if guidance else {})}

    def features(self):
        """The music features per frame ({} without audio): what schedules saw, for the plots."""
        if not self.audio:
            return {}
        return audio.per_frame(
            audio.analysis(self.audio, self.audio_bands), self.fps, len(self.frames), self.audio_offset, self.beat_decay
        )
