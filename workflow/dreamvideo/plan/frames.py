"""A dream's frame plan: one record per frame (records.py) and every file its jobs read and write
(layout.py), what spec.plan makes of a spec and what the workflow's rules ask."""

import functools
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
    # Its chains (chains.py), where it has more than one: each video frame's chain, or (earlier,
    # later) for a join of two, and the records of the chains' frames that are not the video's.
    chains: tuple = ()
    aside: tuple = ()  # ((chain, index), record), ...

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

    def chain_of(self, index):
        """The chain video frame `index` belongs to, or (earlier, later) for a join."""
        return self.chains[index] if self.chains else 0

    def aside_path(self, chain, index):
        return layout.aside(self.name, self.folder, chain, index)

    def chain_path(self, chain, index):
        """Frame `index` of a chain: the video's frame, or the chain's own kept aside."""
        return self.frame_path(index) if self.chain_of(index) == chain else self.aside_path(chain, index)

    @functools.cached_property
    def aside_records(self):
        return dict(self.aside)

    @functools.cached_property
    def chain_indices(self):
        """The frames each chain makes, in order: its frames kept aside and its video frames (a
        join is in neither chain: it reads both)."""
        made = [(c, i) for c, i in self.aside_records]
        made += [(self.chain_of(i), i) for i, r in enumerate(self.frames) if r["kind"] != "join"]
        return tuple(tuple(i for c, i in sorted(made) if c == chain) for chain in range(max(made)[0] + 1))

    def chain_record(self, chain, index):
        """The record of frame `index` of a chain: the video's, or the chain's own kept aside."""
        return self.aside_records.get((chain, index)) or self.frames[index]

    def frame_inputs(self, index, chain=None):
        """The inputs of the job that makes video frame `index`, or with `chain` that chain's frame
        kept aside: a chain's frame reads the frame before it in its chain, a join the frames of
        the two chains it crossfades."""
        owner = self.chain_of(index) if chain is None else chain
        record = self.frames[index] if chain is None else self.aside_records[chain, index]
        if record["kind"] == "join":
            earlier, later = (self.chain_path(c, index) for c in owner)
            return self.inputs([record], earlier=earlier, later=later)
        reads_previous = "previous" in records.reads(record)
        return self.inputs([record], previous=self.chain_path(owner, index - 1) if reads_previous else None)

    def jobs(self):
        """(index, record, output path, inputs) of every frame job, in an order that makes each
        frame after those it reads: each chain's frames, then the joins."""
        made = [(c, i, self.chain_record(c, i)) for c, indices in enumerate(self.chain_indices) for i in indices]
        made += [(self.chain_of(i), i, r) for i, r in enumerate(self.frames) if r["kind"] == "join"]
        for chain, index, record in made:
            aside = (chain, index) in self.aside_records
            yield (
                index,
                record,
                self.aside_path(chain, index) if aside else self.frame_path(index),
                self.frame_inputs(index, chain if aside else None),
            )

    def inputs(self, frames, previous=None, earlier=None, later=None):
        """The inputs of a job making `frames` (records) of this plan: what their kinds read
        (records.KINDS), as this plan's files: `previous` (the frame before them, or what stands
        for it), the images they fit, the model's weights, a video dream's footage and flow, the
        mask and guide files their records name (`guidance`), the two frames a join crossfades."""
        files = {
            "previous": previous,
            "seed_image": [r["seed_image"] for r in frames if "seed_image" in records.reads(r)],
            "model_weights": str(models.weights_path(self.model)),
            "source": self.source_dir(),
            "flow": self.flow_dir(),
            "earlier": earlier,
            "later": later,
        }
        names = {name for record in frames for name in records.reads(record)}
        inputs = {name: path for name, path in files.items() if name in names and path}
        if len(inputs.get("seed_image", ())) == 1:
            inputs["seed_image"] = inputs["seed_image"][0]
        guidance = list(dict.fromkeys(path for record in frames for path in records.guidance(record)))
        return {**inputs, **({"guidance": guidance} if guidance else {})}

    def features(self):
        """The music features per frame ({} without audio): what schedules saw, for the plots."""
        if not self.audio:
            return {}
        return audio.per_frame(
            audio.analysis(self.audio, self.audio_bands), self.fps, len(self.frames), self.audio_offset, self.beat_decay
        )
