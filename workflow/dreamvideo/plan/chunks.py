"""Chunked frame jobs (the workflow setting `frames_per_job` = K > 1): one job renders K
consecutive frames with one model load and depends on the chunk before it.

Snakemake's outputs are patterns of the wildcards, so a job cannot declare "frames c*K to
c*K+K-1" for any K without moving the frames. A chunk job therefore declares one small marker,
`dreams/<name>/<folder>/chunks/CCCCCC.done`, and writes its frames where they always are
(`dreams/<name>/<folder>/NNNNNN.png`; layout.py). The marker is written last, after every frame, and lists
them in `sha256sum` format (`sha256sum -c` checks it from the project folder): a killed chunk
has no marker and runs again; the jobs that read frames check them against the markers first,
so a frame deleted or changed since its chunk made it is an error that names the marker to
delete, never a silently wrong video."""

from pathlib import Path

from .. import files, layout


class ChunkError(RuntimeError):
    pass


# `frames_per_job: auto` (the default): one job per frame up to LONG frames, chunks of AUTO_K frames
# above. At one job per frame Snakemake's DAG costs about 1 ms a frame in every dry run and no-op
# rerun (3,600 frames: 5-7 s against 3-3.5 s in chunks of 30, benchmarks/scale.md); short dreams keep
# the finest edits and resumes.
LONG, AUTO_K = 1000, 30


def per_job(setting, total):
    """Frames per job of a dream of `total` frames: the workflow setting `frames_per_job` (a
    number K >= 1, or "auto": 1 up to LONG frames, AUTO_K above)."""
    if setting == "auto":
        return 1 if total <= LONG else AUTO_K
    return int(setting)


def is_marker(path):
    """True for a chunk's marker (what made() lists at K > 1), False for a frame."""
    return str(path).endswith(".done")


def count(total, k):
    """The number of chunks of `total` frames, K per chunk (the last may be shorter)."""
    return -(-total // k)


def blocks(plan, k):
    """Each chunk's (chain, frame indices): each chain's frames (Plan.chain_indices), K at a time,
    numbered chain after chain, so a chunk reads only its own chain's chunk before it and the
    chains still run side by side. One chain: chunk c is frames cK..cK+K-1. The joins of two
    chains are in no chunk: each is a job of its own, after the chunks it crossfades."""
    return [(c, made[i : i + k]) for c, made in enumerate(plan.chain_indices) for i in range(0, len(made), k)]


def holding(blocks):
    """{(chain, index): chunk}: the chunk that makes each chain's frame."""
    return {(c, index): chunk for chunk, (c, made) in enumerate(blocks) for index in made}


def marker_path(plan, chunk):
    return layout.chunk(plan.name, plan.folder, chunk)


def write_marker(path, frame_paths):
    """The chunk is done: its frames' digests, atomically."""
    files.write_bytes_atomic("".join(f"{files.digest(p)}  {p}\n" for p in frame_paths).encode(), path)


def check(marker):
    """The frame paths a marker lists, each checked to be the very file its chunk wrote."""
    paths = []
    for line in Path(marker).read_text().splitlines():
        expected, path = line.split("  ", 1)
        if not Path(path).is_file() or files.digest(path) != expected:
            what = "is missing" if not Path(path).is_file() else "has changed"
            raise ChunkError(
                f"{path} {what} since its chunk made it: delete {marker} to render that chunk "
                "and the ones after it again"
            )
        paths.append(path)
    return paths
