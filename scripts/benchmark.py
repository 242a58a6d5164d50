"""Speed, side by side in one run, on the machine it runs on; writes benchmarks/results.md.

- the machine: CPU model, family and the flags that matter, TensorFlow and oneDNN versions, and
  its attainable peak measured here (a 4096^2 float32 GEMM through the same TensorFlow, and a
  bfloat16 one where the CPU has AVX512_BF16 or AMX), next to the nominal figure;
- TensorFlow's own CPU kernels (the default) against oneDNN's: speed, and bytes run to run;
- gradient step and full frame for layers 3 and 6 at 640x360 and 1280x720, as % of the peak;
- where a frame's time goes outside the network (PNG read/write, camera, colour, octave work);
- what each network rewrite brings (plain Keras, BN folding, forward-conv gradients, XLA);
- bfloat16 against float32 (speed, and a side-by-side picture in benchmarks/bfloat16.jpg);
- the same frame made the peers' way; Snakemake's overhead; the DAG of 3,600 frames;
- the demo's draft preview against its full render (also alone: `--only preview`)."""

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
import numpy as np  # noqa: E402

from dreamvideo.frame import colour, pictures, render  # noqa: E402
from dreamvideo.network import models, networks, weights
from dreamvideo.outputs import video

SIZES = [(640, 360), (1280, 720)]
LAYERS = [3, 6]
FLAGS = ("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_bf16")


def threads():
    """The frames' thread count: the schema's default, as a frame job runs."""
    from dreamvideo.plan import spec

    return spec.schema_default("threads")


def start_tensorflow():
    """TensorFlow's pools at the frames' thread count, before any operation runs (a frame's
    `dream.use_threads` refuses to change them afterwards)."""
    from dreamvideo.network import dream

    dream.use_threads(threads())


def default_precision():
    """The schema's default precision as a plan resolves it on this machine."""
    from dreamvideo.plan import spec

    return models.resolve_precision(spec.schema_default("precision"), models.DEFAULT_MODEL)


def record(layer, size, **changes):
    """A frame record as the plan makes it: 1 iteration x 2 octaves, the original project's zoom and balance."""
    from dreamvideo.plan import spec as dreamspec

    model = models.get(models.DEFAULT_MODEL)
    base = dict(kind="image_dream", model=model.name, precision="float32", threads=threads(),
                objective=[[model.layer_name(layer), 1.0, []]],
                num_iterations=1, step_size=1.0, rescale_factor=0.7, num_repeats=1, octave_mode="detail", blend=0.2,
                tile_size=400, zoom_speed=256, zoom=1.0, angle=0.0, translate_x=0.0, translate_y=0.0, center=[0.5, 0.5],
                border="reflect", color_balance=[0.3333, 0.3333, 0.3334], target_color=None, color_rate=0.0,
                reference_brightness=float(picture(size).mean()), reference_vividness=colour.vividness(picture(size)),
                color_hold=dreamspec.frame_default("color_hold"), rng_seed=[0, 1])
    return {**base, **changes}


def picture(size):
    return pictures.fit(pictures.read_rgb(REPO / "dreams/fractal_light/img_0.jpg"), size)


def median_time(fn, runs, warmup=2):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


# --- the machine -----------------------------------------------------------------------------

def cpu():
    """Model, family/model numbers, flags that matter, cores, nominal clock, nominal fp32 peak."""
    info = Path("/proc/cpuinfo").read_text()
    field = lambda key: re.search(rf"^{key}\s*:\s*(.*)$", info, re.M).group(1).strip()  # noqa: E731
    flags = field("flags").split()
    cores = len(os.sched_getaffinity(0))
    mhz = float(field("cpu MHz"))
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    nominal = cores * mhz / 1000 * lanes * 2 * 2  # x2 FMA, x2 FMA units
    return dict(name=field("model name"), family=field("cpu family"), model=field("model"),
                flags=[f for f in FLAGS if f in flags], cores=cores, ghz=mhz / 1000, nominal=nominal,
                bf16="avx512_bf16" in flags or "amx_bf16" in flags)


def onednn_default():
    """Whether TensorFlow runs oneDNN's kernels in this process (by default on CPUs with
    AVX512_VNNI, AVX512_BF16, AVX_VNNI or AMX; TF_ENABLE_ONEDNN_OPTS overrides)."""
    from tensorflow.python.util import _pywrap_util_port

    return _pywrap_util_port.IsMklEnabled()


def onednn_version():
    """oneDNN's version as it reports itself (ONEDNN_VERBOSE) when TensorFlow turns it on."""
    code = "import tensorflow as tf; tf.matmul(tf.ones([64, 64]), tf.ones([64, 64])).numpy()"
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": "1", "ONEDNN_VERBOSE": "1"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    found = re.search(r"oneDNN v([\d.]+)", done.stdout + done.stderr)
    return found.group(1) if found else "unknown"


def gemm_rate(dtype_name, n=4096, runs=5):
    """GFLOP/s of an n x n x n matmul through TensorFlow, as this process is set up."""
    import tensorflow as tf

    dtype = getattr(tf, dtype_name)
    a = tf.cast(tf.random.stateless_normal([n, n], seed=[1, 2]), dtype)
    b = tf.cast(tf.random.stateless_normal([n, n], seed=[3, 4]), dtype)
    product = tf.function(lambda: tf.matmul(a, b)[0, 0])  # one element back: no 64 MB copy
    return 2 * n**3 / median_time(lambda: product().numpy(), runs) / 1e9


# --- oneDNN on and off, in fresh processes ------------------------------------------------------

PROBE_SIZE, PROBE_ITERATIONS = (321, 181), 10  # --tiny makes them smaller


def probe(timing):
    """Run in a fresh process: the bytes of the dream that showed the nondeterminism (321x181,
    layer 6, dream_image.py's defaults) and, with `timing`, the speeds that oneDNN changes."""
    from dreamvideo.network import dream

    start_tensorflow()
    image = np.asarray(pictures.Image.fromarray(picture((642, 362))).resize(PROBE_SIZE))
    dreamer = dream.dreamer(models.DEFAULT_MODEL, 6, default_precision())
    out = dreamer(image, num_iterations=PROBE_ITERATIONS, step_size=3.0, num_repeats=4, seed=3)
    result = dict(hash=hashlib.sha256(dream.to_uint8(out).tobytes()).hexdigest())
    if timing:
        result.update(gemm=gemm_rate("float32"), gemm_bf16=gemm_rate("bfloat16") if cpu()["bf16"] else None,
                      step=step_time(3, SIZES[0], 5)[0],
                      frame=frame_time(record(3, SIZES[0]), SIZES[0], 5),
                      frame_bf16=frame_time(record(3, SIZES[0], precision="bfloat16"), SIZES[0], 5))
    print(json.dumps(result))


def backends():
    """oneDNN off (our default) and on: speed in one process each, bytes over 4 processes each."""
    rows = {}
    default = "1" if onednn_default() else "0"
    for label, value in (("TensorFlow's own kernels (TF_ENABLE_ONEDNN_OPTS=0)", "0"), ("oneDNN (TF_ENABLE_ONEDNN_OPTS=1)", "1")):
        label += " (default here)" if value == default else ""
        env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": value}
        runs = []
        for i in range(4):
            cmd = [sys.executable, __file__, "--probe"] + (["--timing"] if i == 0 else [])
            done = subprocess.run(cmd, capture_output=True, text=True, env=env)
            if done.returncode:
                raise SystemExit(f"probe failed:\n{done.stderr[-3000:]}")
            runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
        row = dict(runs[0], distinct=len({r["hash"] for r in runs}), runs=len(runs))
        rows[label] = row
        print(f"{label}: GEMM {row['gemm']:.0f} GFLOP/s, step {row['step']:.3f} s, frame {row['frame']:.3f} s, "
              f"bfloat16 frame {row['frame_bf16']:.3f} s, {row['distinct']} distinct result(s) in {row['runs']} processes",
              flush=True)
    return rows


# --- the dream step, the frame and what surrounds the network -----------------------------------

def step_flops(layer, tiles, tile_h, tile_w):
    """Forward conv FLOPs up to `layer` for a batch of tiles, x2 for the input gradient."""
    import keras

    features = models.features(models.DEFAULT_MODEL, layer)
    convs = [l for l in features.layers if isinstance(l, keras.layers.Conv2D)]
    probe_model = keras.Model(features.input, [c.output for c in convs])
    outputs = probe_model(np.zeros((1, tile_h, tile_w, 3), np.float32))
    forward = sum(2 * np.prod(o.shape[1:]) * np.prod(c.kernel.shape[:3]) for c, o in zip(convs, outputs))
    return 2 * tiles * float(forward)


def octave_args(dreamer, size, height=None, width=None):
    import tensorflow as tf

    height, width = height or size[1], width or size[0]
    pixels = np.asarray(pictures.Image.fromarray(picture(size)).resize((width, height))).astype(np.float32)
    grid = dreamer.tile_grid(height, width, 400)
    args = (tf.constant(pixels), tf.constant([[3, 5]], tf.int32), tf.constant(grid, tf.int32), tf.constant(1.0),
            tf.constant([1.0]))
    return args, grid, (-(-height // grid[0]), -(-width // grid[1]))


def step_time(layer, size, runs):
    """(seconds, FLOPs) of one tiled gradient step (one octave iteration) on the full frame."""
    from dreamvideo.network import dream

    dreamer = dream.dreamer(models.DEFAULT_MODEL, layer)
    args, grid, (tile_h, tile_w) = octave_args(dreamer, size)
    return median_time(lambda: dreamer.octave(*args).numpy(), runs), step_flops(layer, grid[0] * grid[1], tile_h, tile_w)


def frame_time(rec, size, runs):
    """Median seconds of one chained frame: read PNG, camera + colour, dream, write PNG."""
    workdir = Path(tempfile.mkdtemp())
    prev, out = workdir / "prev.png", workdir / "next.png"
    pictures.write_frame(picture(size), prev)
    seconds = median_time(lambda: render.make_frame(1, rec, out, prev), runs)
    shutil.rmtree(workdir)
    return seconds


def core_speed(peak, same_kernels, nominal, runs):
    """Step and frame; the step's rate against the best GEMM measured here (whichever kernels),
    the GEMM of the kernels the step runs on, and the nominal peak."""
    rows = []
    for layer in LAYERS:
        for size in SIZES:
            step, flops = step_time(layer, size, runs)
            rate = flops / step / 1e9
            frame_s = frame_time(record(layer, size), size, runs)
            rows.append(dict(layer=layer, size=size, step=step, gflops=flops / 1e9, rate=rate, peak_pct=100 * rate / peak,
                             same_pct=100 * rate / same_kernels, nominal_pct=100 * rate / nominal, frame=frame_s))
            print(f"layer {layer} {size[0]}x{size[1]}: step {step:.3f} s ({flops / 1e9:.1f} GFLOP, {rate:.0f} GFLOP/s, "
                  f"{100 * rate / peak:.0f}% of measured peak), frame {frame_s:.3f} s", flush=True)
    return rows


def overheads(rounds, layer=3):
    """Where a frame's time goes outside the network, each part timed on its own: PNG read and
    write, camera + colour, and the octave work (the same dream call with the network swapped
    for the identity: tiling, per-tile normalisation, smoothing, pyramid), in alternation with
    whole frames so that drift of a shared machine cancels."""
    from dreamvideo.network import dream

    rows = []
    dreamer = dream.dreamer(models.DEFAULT_MODEL, layer)
    idle = dream.Dreamer(models.DEFAULT_MODEL, dreamer.terms)
    idle.features = lambda x, training=False: x  # traced on first call: the octave without a network
    for size in SIZES:
        rec = record(layer, size)
        workdir = Path(tempfile.mkdtemp())
        prev, out = workdir / "prev.png", workdir / "next.png"
        pictures.write_frame(picture(size), prev)
        pixels = pictures.read_frame(prev)
        prepared = render.prepare(pixels, rec)
        result = dream.to_uint8(prepared)
        settings = {k: rec[k] for k in render.DREAM_SETTINGS}
        parts = {
            "read PNG": lambda: (pictures._last_written.clear(), pictures.read_frame(prev)),  # a decode, as after a resume
            "camera + colour": lambda: render.prepare(pixels, rec),
            "octave work": lambda: idle(prepared, seed=[0, 1], **settings),
            "write PNG": lambda: pictures.write_frame(result, out),
            "frame": lambda: (pictures.write_frame(pixels, prev), render.make_frame(1, rec, out, prev)),
        }
        for fn in parts.values():
            fn(), fn()
        samples = {name: [] for name in parts}
        for _ in range(rounds):
            for name, fn in parts.items():
                start = time.perf_counter()
                fn()
                samples[name].append(time.perf_counter() - start)
        shutil.rmtree(workdir)
        med = {name: statistics.median(v) for name, v in samples.items()}
        # In a chain the previous frame comes from memory (pictures.read_frame): no decode per frame.
        outside = med["camera + colour"] + med["octave work"] + med["write PNG"]
        rows.append(dict(size=size, parts=med, outside=100 * outside / med["frame"]))
        print(f"{size[0]}x{size[1]}: frame {med['frame']:.3f} s, outside the network {100 * outside / med['frame']:.1f}% "
              f"(camera+colour {med['camera + colour']:.3f}, octave work {med['octave work']:.3f}, "
              f"write {med['write PNG']:.3f}; a PNG read when resuming {med['read PNG']:.3f})", flush=True)
    return rows


def ablation(runs, layer=3, size=(640, 360)):
    """What each rewrite brings: one gradient step on the whole image, network variants."""
    import keras
    import tensorflow as tf

    name = models.get(models.DEFAULT_MODEL).layer_name(layer)
    plain = networks.inception_v3()
    plain.load_weights(models.weights_path(models.DEFAULT_MODEL))
    fast = models.network(models.DEFAULT_MODEL)
    variants = [
        ("Keras InceptionV3 as is, TensorFlow's gradients", plain, False),
        ("+ batch norms folded into the convs",
         networks.dreaming_inception_v3(models.weights_path(models.DEFAULT_MODEL), fast_gradients=False), False),
        ("+ conv input gradients as forward convs (ours)", fast, False),
        ("ours + XLA (jit_compile)", fast, True),
    ]
    x = tf.constant(picture(size)[None].astype(np.float32) / 128.0 - 1.0)
    flops = step_flops(layer, 1, size[1], size[0])
    rows = []
    for label, net, xla in variants:
        features = keras.Model(net.input, net.get_layer(name).output)

        def gradient(image):
            with tf.GradientTape() as tape:
                tape.watch(image)
                loss = tf.reduce_mean(tf.square(features(image, training=False)))
            return tape.gradient(loss, image)

        compiled = tf.function(gradient, jit_compile=xla)
        seconds = median_time(lambda: compiled(x).numpy(), runs)
        rows.append(dict(label=label, step=seconds, rate=flops / seconds / 1e9))
        print(f"{label}: {seconds:.3f} s, {flops / seconds / 1e9:.0f} GFLOP/s", flush=True)
    return rows


def bfloat16(runs, out_path):
    """float32 against bfloat16: frame time in this process, and the same dream side by side."""
    from dreamvideo.network import dream

    size = SIZES[0]
    rows = {p: frame_time(record(3, size, precision=p), size, runs) for p in models.PRECISIONS}
    print(f"frame 640x360 layer 3: float32 {rows['float32']:.3f} s, bfloat16 {rows['bfloat16']:.3f} s", flush=True)
    pixels = picture(size)
    settings = dict(num_iterations=10, step_size=3.0, num_repeats=3, seed=1)
    pictures = [dream.to_uint8(dream.dreamer(models.DEFAULT_MODEL, 5, p)(pixels, **settings)) for p in models.PRECISIONS]
    difference = np.clip(np.abs(pictures[0].astype(int) - pictures[1]) * 4, 0, 255).astype(np.uint8)
    sheet = np.concatenate([pictures[0], pictures[1], difference], axis=1)
    small = pictures.Image.fromarray(sheet).resize((sheet.shape[1] // 2, sheet.shape[0] // 2), pictures.Image.Resampling.LANCZOS)
    pictures.write_atomic(np.asarray(small), out_path, quality=85)
    rows["mean_difference"] = float(np.abs(pictures[0].astype(int) - pictures[1]).mean())
    rows["correlation"] = float(np.corrcoef((pictures[0].astype(float) - pixels).ravel(),
                                            (pictures[1].astype(float) - pixels).ravel())[0, 1])
    return rows


SINGLE_IMAGE = dict(num_iterations=10, step_size=3.0, num_repeats=4)  # scripts/dream_image.py defaults


def peer_frame_time(size, layer, runs, dream_fn, settings=None):
    """A frame as `frame_time` makes it, with a peer's dream in place of ours."""
    rec = record(layer, size, **(settings or {}))
    workdir = Path(tempfile.mkdtemp())
    prev, out = workdir / "prev.png", workdir / "next.png"
    pictures.write_frame(picture(size), prev)

    def peer_frame():
        pixels = render.prepare(pictures.read_frame(prev), rec)
        result = dream_fn(pixels, seed=1, **{k: rec[k] for k in render.DREAM_SETTINGS})
        pictures.write_frame(np.clip(np.round(result), 0, 255).astype(np.uint8), out)
    seconds = median_time(peer_frame, runs, warmup=1)
    shutil.rmtree(workdir)
    return seconds


def peer_speed(runs):
    import peers  # scripts/peers.py, beside this script

    model = models.get(models.DEFAULT_MODEL)
    rows = []
    cases = [(layer, "video frame", None, runs) for layer in LAYERS] + [(3, "single image", SINGLE_IMAGE, 1)]
    for layer, label, settings, n in cases:
        features = models.features(model.name, layer)
        size = SIZES[0]
        ours = frame_time(record(layer, size, **(settings or {})), size, n)
        seed = peer_frame_time(size, layer, n, peers.SeedStyle(features, model.mean, model.std), settings)
        tutorial = peer_frame_time(size, layer, n, peers.TutorialStyle(features, model.mean, model.std), settings)
        rows.append(dict(layer=layer, label=label, ours=ours, seed=seed, tutorial=tutorial))
        print(f"layer {layer} 640x360 {label}: ours {ours:.3f} s, seed's way {seed:.3f} s ({seed / ours:.1f}x), "
              f"tutorial's way {tutorial:.3f} s ({tutorial / ours:.1f}x)", flush=True)
    return rows


def snakemake(root, *args):
    cmd = [str(Path(sys.executable).parent / "snakemake"), "-s", str(REPO / "Snakefile"), "--cores", "1", *args]
    start = time.perf_counter()
    done = subprocess.run(cmd, cwd=root, capture_output=True, text=True,
                          env={**os.environ, "DREAM_MODEL_DIR": str(models.model_dir())})
    if done.returncode:
        raise SystemExit(f"snakemake failed:\n{done.stderr[-3000:]}")
    return time.perf_counter() - start, done


def project(root, spec):
    (root / "config/dreams").mkdir(parents=True)
    (root / "dreams/b").mkdir(parents=True)
    shutil.copy(REPO / "config/config.yaml", root / "config/config.yaml")
    shutil.copy(REPO / "dreams/fractal_light/img_0.jpg", root / "dreams/b/img_0.jpg")
    (root / "config/dreams/b.yaml").write_text(spec)


# Snakemake's main with every render.make_frame call timed (start, end; monotonic) into $FRAME_TIMES.
TIMED_SNAKEMAKE = """
import atexit, json, os, time
from dreamvideo.frame import render
times, job = [], render.make_frame
def timed(*args, **kwargs):
    start = time.monotonic()
    try:
        return job(*args, **kwargs)
    finally:
        times.append((start, time.monotonic()))
render.make_frame = timed
atexit.register(lambda: open(os.environ["FRAME_TIMES"], "w").write(json.dumps(times)))
from snakemake.cli import main
main()
"""


def pipeline_overhead(frames):
    """Snakemake's time per frame job in a chained render: in the same run, the interval between
    frames against the time inside render.make_frame (its dream), from frame 3 on (frame 1 loads the
    model). The two share the machine's load, so their difference is the workflow's own. The same
    frames in a plain loop are the byte check and a second reference (another process, other load)."""
    spec = f"size: [640, 360]\nsegments:\n  - {{frames: {frames}, layer: 3}}\n"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project(root, spec)
        times_file = root / "frame_times.json"
        cmd = [sys.executable, "-c", TIMED_SNAKEMAKE, "-s", str(REPO / "Snakefile"), "--cores", "1",
               f"dreams/b/frames/{frames - 1:06d}.png"]
        done = subprocess.run(cmd, cwd=root, capture_output=True, text=True,
                              env={**os.environ, "DREAM_MODEL_DIR": str(models.model_dir()), "FRAME_TIMES": str(times_file)})
        if done.returncode:
            raise SystemExit(f"snakemake failed:\n{done.stderr[-3000:]}")
        times = json.loads(times_file.read_text())[2:]
        piped = (times[-1][1] - times[0][1]) / (len(times) - 1)
        in_job = sum(end - start for start, end in times[1:]) / (len(times) - 1)

        from dreamvideo.plan import spec as dreamspec

        os.chdir(root)
        plan = dreamspec.plan_for("b")
        loop_dir = root / "loop"
        paths = [loop_dir / f"{i:06d}.png" for i in range(frames)]
        render.make_frames(range(2), plan.frames, paths)  # frame 1 is the warm-up
        start = time.perf_counter()
        render.make_frames(range(2, frames), plan.frames[2:], paths[2:], paths[1])
        looped = (time.perf_counter() - start) / (frames - 2)
        same = all((loop_dir / p.name).read_bytes() == p.read_bytes() for p in sorted((root / "dreams/b/frames").glob("*.png")))
        os.chdir(REPO)
    print(f"chained 640x360 frames: Snakemake {piped:.3f} s/frame, of which in the frame job {in_job:.3f} s: "
          f"{1000 * (piped - in_job):.1f} ms per job, overhead {100 * (piped / in_job - 1):+.1f}%; plain loop "
          f"{looped:.3f} s/frame; same bytes: {same}", flush=True)
    return dict(piped=piped, in_job=in_job, looped=looped, same=same)


def dag_speed(frames=3600):
    """`snakemake -n` of a dream of `frames` frames and its no-op rerun once rendered (the ways
    scripts/benchmark_scale.py measures them), with the default frames_per_job (auto: chunks of 30
    for a dream this long) and with one job per frame."""
    import benchmark_scale  # scripts/benchmark_scale.py, beside this script (run as `python scripts/benchmark.py`)

    default, per_frame = (benchmark_scale.measure(frames, k) for k in ("auto", 1))
    return dict(frames=frames, k=default["k"], dry=default["dry"], noop=default["noop"], dry_1=per_frame["dry"],
                noop_1=per_frame["noop"])


def preview_cost(name="fractal_light"):
    """The demo's draft preview against its full render, each end to end through Snakemake in a
    fresh copy of the project (start-up, model load, every frame, video and audio)."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "config/dreams").mkdir(parents=True)
        shutil.copy(REPO / "config/config.yaml", root / "config/config.yaml")
        shutil.copy(REPO / f"config/dreams/{name}.yaml", root / f"config/dreams/{name}.yaml")
        rendered = ("*.mp4", "frames", "preview", "contact_sheet.jpg", "schedule.*", "report.zip")
        shutil.copytree(REPO / f"dreams/{name}", root / f"dreams/{name}", ignore=shutil.ignore_patterns(*rendered))
        runs = {}
        for what in ("preview", "final"):
            load, start = os.getloadavg()[0], time.time()
            seconds, _ = snakemake(root, f"dreams/{name}/{what}.mp4")
            path = root / f"dreams/{name}/{what}.mp4"
            shots = sorted((root / f"dreams/{name}/{'preview' if what == 'preview' else 'frames'}").glob("*.png"))
            stamps = [p.stat().st_mtime for p in shots]
            runs[what] = dict(seconds=seconds, load=(load, os.getloadavg()[0]), duration=media_seconds(path),
                              streams=video.streams(path), size=pictures.read_frame(shots[1]).shape[1::-1],
                              first=stamps[1] - start, interval=(stamps[-1] - stamps[1]) / (len(stamps) - 2),
                              after=start + seconds - stamps[-1])
            r = runs[what]
            print(f"{what}: {seconds:.1f} s, {r['duration']:.2f} s of video, {r['size']}, {r['streams']}", flush=True)
        count = len(list((root / f"dreams/{name}/frames").glob("*.png")))
    return dict(name=name, **runs, frames=count, ratio=runs["preview"]["seconds"] / runs["final"]["seconds"])


def media_seconds(path):
    """The container's duration as ffmpeg reports it."""
    done = subprocess.run([video.ffmpeg(), "-hide_banner", "-i", str(path)], capture_output=True, text=True)
    h, m, s = re.search(r"Duration: (\d+):(\d+):([\d.]+)", done.stderr).groups()
    return int(h) * 3600 + int(m) * 60 + float(s)


PREVIEW_HEADING = "## Draft preview against the full render"


def preview_section(pre, machine):
    p, f = pre["preview"], pre["final"]
    return [PREVIEW_HEADING, "",
            f"Measured by `python scripts/benchmark.py --only preview` on {datetime.date.today()} ({machine['name']}, "
            f"family {machine['family']}, model {machine['model']}, {machine['cores']} cores, "
            f"{', '.join(machine['flags'])}): the demo ({pre['frames']} frames), each end to end "
            "through `snakemake --cores 1` in a fresh copy of the project (start-up, model load, frames, video, audio). "
            "The machine's 1-minute load average before and after each run is given: other work on it slows both. "
            "*To frame 1*: start-up, plan, model load and the first trace; *per frame*: the mean interval between "
            "frame files from frame 1 on (it includes a trace of the dream function at each new layer or layer mix); "
            "*after*: from the last frame to the end (video, audio; for final.mp4 also the contact sheet).", "",
            "| output | size | render time | to frame 1 | per frame | after | video duration | streams | load before / after |",
            "|---|---|---|---|---|---|---|---|---|",
            *[f"| {what}.mp4 | {r['size'][0]}x{r['size'][1]} | {r['seconds']:.1f} s | {r['first']:.1f} s | {r['interval']:.3f} s "
              f"| {r['after']:.1f} s | {r['duration']:.2f} s | {', '.join(c for cs in r['streams'].values() for c in cs)} "
              f"| {r['load'][0]:.1f} / {r['load'][1]:.1f} |" for what, r in (("preview", p), ("final", f))],
            "", f"The preview costs **1/{1 / pre['ratio']:.1f}** of the full render ({100 * pre['ratio']:.1f}%; target <= 1/8); "
            f"per frame, 1/{f['interval'] / p['interval']:.1f}.", ""]


def update_section(path, heading, lines):
    """Replace the section under `heading` in results.md (up to the next `## `), or add it before Targets."""
    text = path.read_text() if path.exists() else "# Benchmark results\n"
    block = "\n".join(lines) + "\n"
    pattern = re.compile(rf"^{re.escape(heading)}\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    elif "\n## Targets" in text:
        text = text.replace("\n## Targets", "\n" + block + "\n## Targets", 1)
    else:
        text += "\n" + block
    path.write_text(text)
    print(f"wrote {path.relative_to(REPO) if path.is_relative_to(REPO) else path}")


def targets(core, over, bf16, machine, backend, peer, pipe, dag):
    """(target, what this run measured, met) for each goal of the speed work."""
    def find(layer, size):
        return next(r for r in core if r["layer"] == layer and r["size"] == size)
    small, large = find(3, SIZES[0]), find(3, SIZES[1])
    frames = [r for r in peer if r["label"] == "video frame"]
    overhead = 100 * (pipe["piped"] / pipe["in_job"] - 1)
    default = next(r for label, r in backend.items() if label.endswith("(default here)"))
    speedup = bf16["float32"] / bf16["bfloat16"]
    rows = [
        ("repeated runs byte-identical (default kernels)", f"{default['distinct']} distinct in {default['runs']} processes",
         default["distinct"] == 1),
        ("gradient step >= 60% of the measured float32 GEMM, 640x360, layer 3",
         f"{small['peak_pct']:.0f}% ({small['rate']:.0f} of {machine['peak']:.0f} GFLOP/s)", small["peak_pct"] >= 60),
    ]
    rows += [(f"frame time outside the network <= 10%, {r['size'][0]}x{r['size'][1]}", f"{r['outside']:.1f}%",
              r["outside"] <= 10) for r in over]
    rows += [
        ("bfloat16 >= 1.5x faster per frame (where the CPU has it)",
         f"{speedup:.2f}x" + ("" if machine["bf16"] else " (no AVX512_BF16/AMX here: emulated)"),
         speedup >= 1.5 if machine["bf16"] else None),
        ("frame 640x360 <= 0.6 s (layer 3)", f"{small['frame']:.3f} s", small["frame"] <= 0.6),
        ("frame 1280x720 <= 2.5 s (layer 3)", f"{large['frame']:.3f} s", large["frame"] <= 2.5),
        (">= 5x faster per video frame than the seed's way",
         ", ".join(f"layer {r['layer']}: {r['seed'] / r['ours']:.1f}x" for r in frames), all(r["seed"] / r["ours"] >= 5 for r in frames)),
        ("Snakemake overhead <= 5% of frame time", f"{overhead:+.1f}%", overhead <= 5),
        ("DAG of 3,600 frames <= 5 s (default frames_per_job)", f"{dag['dry']:.1f} s", dag["dry"] <= 5),
        ("no-op rerun of 3,600 frames <= 3 s (default frames_per_job)", f"{dag['noop']:.1f} s", dag["noop"] <= 3),
    ]
    return rows


def write_results(path, machine, backend, core, over, ablated, bf16, peer, pipe, dag, runs):
    import tensorflow as tf

    m = machine
    lines = [
        "# Benchmark results",
        "",
        f"Written by `python scripts/benchmark.py` on {datetime.date.today()}: every number below comes from that run.",
        "",
        f"- CPU: {m['name']} (family {m['family']}, model {m['model']}), {m['cores']} cores at a nominal "
        f"{m['ghz']:.2f} GHz; flags: {', '.join(m['flags']) or 'none of ' + ', '.join(FLAGS)}.",
        f"- Python {platform.python_version()}, TensorFlow {tf.__version__} (CPU kernels by default here: "
        f"{'oneDNN' if onednn_default() else 'its own'}; oneDNN {m['onednn']}).",
        f"- Peak measured here: 4096^2 float32 GEMM {m['peak']:.0f} GFLOP/s at best (the faster kernels, table below), "
        f"{m['gemm']:.0f} GFLOP/s with the default kernels"
        + (f", bfloat16 GEMM {m['peak_bf16']:.0f} GFLOP/s" if m["peak_bf16"] else " (no bfloat16 GEMM: the CPU has no AVX512_BF16/AMX)")
        + f"; nominal {m['nominal']:.0f} GFLOP/s (cores x clock x fp32 lanes x FMA x 2 units).",
        f"- Model {models.DEFAULT_MODEL}; medians of {runs} runs after warm-up; a frame is: read PNG, camera + colour, "
        "1 iteration x 2 octaves (num_repeats 1), tile size 400, write PNG.",
        "",
        "## Kernels: TensorFlow's own against oneDNN's",
        "",
        "Each in fresh processes; the bytes are those of the dream that showed the problem (321x181, layer 6, "
        "`dream_image.py` defaults, seed 3), made once per process.",
        "",
        "| kernels | float32 GEMM | step 640x360 L3 | frame 640x360 L3 | bfloat16 frame | distinct results |",
        "|---|---|---|---|---|---|",
    ]
    for label, r in backend.items():
        lines.append(f"| {label} | {r['gemm']:.0f} GFLOP/s | {r['step']:.3f} s | {r['frame']:.3f} s | {r['frame_bf16']:.3f} s "
                     f"| {r['distinct']} in {r['runs']} processes |")
    lines += ["", "## Dream step and frame (default kernels)", "",
              "| layer | size | gradient step | GFLOP per step | GFLOP/s | % of measured peak | % of the same kernels' GEMM "
              "| % of nominal | full frame |",
              "|---|---|---|---|---|---|---|---|---|"]
    for r in core:
        lines.append(f"| {r['layer']} ({models.get(models.DEFAULT_MODEL).layer_name(r['layer'])}) | {r['size'][0]}x{r['size'][1]} "
                     f"| {r['step']:.3f} s | {r['gflops']:.1f} | {r['rate']:.0f} | {r['peak_pct']:.0f}% | {r['same_pct']:.0f}% "
                     f"| {r['nominal_pct']:.0f}% | {r['frame']:.3f} s |")
    lines += ["", "## Where a frame's time goes (layer 3)", "",
              "Each part timed on its own, in alternation with whole frames. *Octave work* is the same dream call with "
              "the network swapped for the identity (tiling, per-tile normalisation, smoothing, pyramid, resizes). "
              "In a chain the previous frame comes from memory, so a PNG read is paid only by the first frame after "
              "a (re)start.", "",
              "| size | frame | camera + colour | octave work | write PNG | outside the network | (PNG read on resume) |",
              "|---|---|---|---|---|---|---|"]
    for r in over:
        q = r["parts"]
        lines.append(f"| {r['size'][0]}x{r['size'][1]} | {q['frame']:.3f} s | {q['camera + colour']:.3f} s "
                     f"| {q['octave work']:.3f} s | {q['write PNG']:.3f} s | {r['outside']:.1f}% | {q['read PNG']:.3f} s |")
    lines += ["", "## What each network rewrite brings (one gradient step, 640x360, layer 3, whole image)", "",
              "| network | step | GFLOP/s |", "|---|---|---|"]
    lines += [f"| {r['label']} | {r['step']:.3f} s | {r['rate']:.0f} |" for r in ablated]
    lines += ["", "## bfloat16", "",
              f"Frame 640x360, layer 3: float32 {bf16['float32']:.3f} s, bfloat16 {bf16['bfloat16']:.3f} s "
              f"({bf16['float32'] / bf16['bfloat16']:.2f}x). The same dream (layer 5, 10 iterations x 4 octaves) in float32 "
              f"| bfloat16 | 4x their difference: mean difference {bf16['mean_difference']:.1f} levels, correlation of the "
              f"two dreams' changes {bf16['correlation']:.3f}.", "", "![float32, bfloat16, difference](bfloat16.jpg)", ""]
    lines += ["## The same 640x360 frame, made the peers' way", "",
              f"Video frame: the settings above. Single image: `dream_image.py` defaults "
              f"({SINGLE_IMAGE['num_iterations']} iterations x {SINGLE_IMAGE['num_repeats'] + 1} octaves, step 3), one run after warm-up.", "",
              "| layer | what | ours | seed's way (Hvass-style) | speed-up | TF tutorial's way | speed-up |",
              "|---|---|---|---|---|---|---|"]
    for r in peer:
        lines.append(f"| {r['layer']} | {r['label']} | {r['ours']:.3f} s | {r['seed']:.3f} s | {r['seed'] / r['ours']:.1f}x "
                     f"| {r['tutorial']:.3f} s | {r['tutorial'] / r['ours']:.1f}x |")
    lines += ["", "## Pipeline", "",
              f"- Chained 640x360 frames, layer 3, one job per frame: through Snakemake {pipe['piped']:.3f} s/frame, "
              f"of which {pipe['in_job']:.3f} s in the frame's dream (same run): {1000 * (pipe['piped'] - pipe['in_job']):.0f} ms "
              f"per job, overhead {100 * (pipe['piped'] / pipe['in_job'] - 1):+.1f}%. Plain loop, another process: "
              f"{pipe['looped']:.3f} s/frame (identical frame bytes: {pipe['same']}).",
              f"- {dag['frames']} frames, default frames_per_job (K = {dag['k']}): `snakemake -n` {dag['dry']:.1f} s; "
              f"no-op rerun of a finished render {dag['noop']:.1f} s. One job per frame: {dag['dry_1']:.1f} s and "
              f"{dag['noop_1']:.1f} s. All include Snakemake's start-up.", ""]
    lines += ["## Targets", "", "| target | this run | met |", "|---|---|---|"]
    for target, value, met in targets(core, over, bf16, machine, backend, peer, pipe, dag):
        lines.append(f"| {target} | {value} | {'n/a' if met is None else 'yes' if met else '**no**'} |")
    lines += ["", "What was tried for the targets missed: [README.md](README.md#targets-missed-and-what-was-tried).", ""]
    path.write_text("\n".join(lines))
    print(f"wrote {path.relative_to(REPO)}")


# --- --quick: kernels x precision, GEMM peak, bytes across processes; a few minutes ------------

QUICK_HEADING = "## Quick check (`--quick`)"
QUICK_SIZE, QUICK_GEMM = SIZES[0], 4096  # --tiny makes them smaller


def worker():
    """A fresh process for `quick` (kernels as its environment says): after its GEMM rates it
    answers `layer precision` lines on stdin with the seconds of one frame, so the parent can alternate between kernel sets and the machine's drift cancels."""
    start_tensorflow()
    bf16 = cpu()["bf16"]
    hello = dict(onednn=onednn_default(), gemm=gemm_rate("float32", QUICK_GEMM, 3),
                 gemm_bf16=gemm_rate("bfloat16", QUICK_GEMM, 3) if bf16 else None)
    print(json.dumps(hello), flush=True)
    workdir = Path(tempfile.mkdtemp())
    prev, out = workdir / "prev.png", workdir / "next.png"
    pictures.write_frame(picture(QUICK_SIZE), prev)
    for line in sys.stdin:  # "layer precision": one frame, timed
        layer, precision = line.split()
        rec = record(int(layer), QUICK_SIZE, precision=precision)
        start = time.perf_counter()
        render.make_frame(1, rec, out, prev)
        print(json.dumps(time.perf_counter() - start), flush=True)
    shutil.rmtree(workdir)


def quick(out, rounds, tiny):
    """GEMM peak, a 640x360 frame per kernel set x precision x layer (3, 6), and the bytes of the
    probe dream in 2 fresh processes with the default settings; returns False if those differ."""
    started, load = time.perf_counter(), os.getloadavg()[0]
    machine = cpu()
    mode = ["--tiny"] if tiny else []
    default = onednn_default()
    kernels = {("oneDNN" if default else "TensorFlow's own") + " (default here)": None,
               "TensorFlow's own (TF_ENABLE_ONEDNN_OPTS=0)" if default else "oneDNN (TF_ENABLE_ONEDNN_OPTS=1)":
               "0" if default else "1"}
    workers, hello = {}, {}
    for label, value in kernels.items():
        env = {k: v for k, v in os.environ.items() if k != "TF_ENABLE_ONEDNN_OPTS" or value is None}
        env.update({"TF_ENABLE_ONEDNN_OPTS": value} if value else {})
        workers[label] = subprocess.Popen([sys.executable, __file__, "--worker", *mode], env=env, text=True,
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        hello[label] = json.loads(workers[label].stdout.readline())  # one at a time: GEMMs alone
        h = hello[label]
        print(f"{label}: GEMM float32 {h['gemm']:.0f} GFLOP/s" +
              (f", bfloat16 {h['gemm_bf16']:.0f} GFLOP/s" if h["gemm_bf16"] else ""), flush=True)

    def ask(label, layer, precision):
        workers[label].stdin.write(f"{layer} {precision}\n")
        workers[label].stdin.flush()
        answer = workers[label].stdout.readline()
        if not answer:
            raise SystemExit(f"the {label} worker died")
        return json.loads(answer)

    cells = [(label, layer, precision) for layer in LAYERS for precision in models.PRECISIONS for label in kernels]
    for cell in cells:
        ask(*cell), ask(*cell)  # warm-up: the first frame of a layer and precision traces
    times = {cell: [] for cell in cells}
    for _ in range(rounds):  # side by side: each round runs every cell once
        for cell in cells:
            times[cell].append(ask(*cell))
    for w in workers.values():
        w.stdin.close()
        w.wait()
    frames = {cell: statistics.median(v) for cell, v in times.items()}
    for (label, layer, precision), seconds in frames.items():
        print(f"{label}, {precision}, layer {layer}: frame {seconds:.3f} s", flush=True)

    hashes = []
    for _ in range(2):  # the default kernels: as this environment makes them
        done = subprocess.run([sys.executable, __file__, "--probe", *mode], capture_output=True, text=True)
        if done.returncode:
            raise SystemExit(f"probe failed:\n{done.stderr[-3000:]}")
        hashes.append(json.loads(done.stdout.strip().splitlines()[-1])["hash"])
    exact = len(set(hashes)) == 1
    seconds = time.perf_counter() - started
    print(f"bytes of the probe dream in 2 processes: {'identical' if exact else 'DIFFERENT'}; --quick took {seconds:.0f} s",
          flush=True)
    if not tiny:  # only a real run's numbers go into results.md
        update_section(Path(out), QUICK_HEADING,
                       quick_section(machine, list(kernels), hello, frames, exact, rounds, seconds,
                                     (load, os.getloadavg()[0])))
    return exact


def quick_section(machine, labels, hello, frames, exact, rounds, seconds, load):
    default, other = labels
    own = default if default.startswith("TensorFlow") else other
    precision = default_precision()
    size = f"{QUICK_SIZE[0]}x{QUICK_SIZE[1]}"
    lines = [QUICK_HEADING, "",
             f"Written by `python scripts/benchmark.py --quick` on {datetime.date.today()}: {machine['name']} "
             f"(family {machine['family']}, model {machine['model']}), {machine['cores']} cores, threads {threads()}; flags: "
             f"{', '.join(machine['flags']) or 'none of ' + ', '.join(FLAGS)}. Each kernel set in its own process; "
             f"the frames (as above: 1 iteration x 2 octaves, PNG in and out) alternate between them, median of "
             f"{rounds} rounds. The default precision (`precision` in the schema) resolves here to **{precision}**. "
             f"1-minute load average before / after: {load[0]:.1f} / {load[1]:.1f} (other work on the machine slows "
             f"every number; the ratios come from alternating frames).", "",
             "| kernels | float32 GEMM | bfloat16 GEMM | " + " | ".join(
                 f"{p} L{layer}" for layer in LAYERS for p in models.PRECISIONS) + " |",
             "|---|---|---|" + "---|" * (len(LAYERS) * len(models.PRECISIONS))]
    for label in labels:
        h = hello[label]
        lines.append(f"| {label} | {h['gemm']:.0f} GFLOP/s | " + (f"{h['gemm_bf16']:.0f} GFLOP/s" if h["gemm_bf16"] else "n/a")
                     + " | " + " | ".join(f"{frames[(label, layer, p)]:.3f} s" for layer in LAYERS for p in models.PRECISIONS)
                     + " |")
    speed32 = [frames[(own, layer, "float32")] / frames[(default, layer, "float32")] for layer in LAYERS]
    speed = [frames[(own, layer, "float32")] / frames[(default, layer, precision)] for layer in LAYERS]
    l3 = frames[(default, 3, precision)]
    bf16 = machine["bf16"]
    rows = [
        (f"byte-identical across 2 processes, default settings (probe dream {PROBE_SIZE[0]}x{PROBE_SIZE[1]}, layer 6)",
         "identical" if exact else "different", exact),
        (f"default kernels vs TensorFlow's own, float32, per {size} frame: >= 1.25x (AVX512_BF16 CPU)",
         ", ".join(f"L{layer} {x:.2f}x" for layer, x in zip(LAYERS, speed32)),
         min(speed32) >= 1.25 if bf16 else None),
        (f"default kernels and precision vs TensorFlow's own float32: >= 2x (AVX512_BF16 CPU)",
         ", ".join(f"L{layer} {x:.2f}x" for layer, x in zip(LAYERS, speed)), min(speed) >= 2 if bf16 else None),
        (f"frame {size} layer 3 <= 0.15 s, default settings (AVX512_BF16 CPU)", f"{l3:.3f} s", l3 <= 0.15 if bf16 else None),
        ("on an AVX2-only CPU no slower than before", "this CPU has AVX512_BF16" if bf16 else "not measured by --quick", None),
        ("`--quick` finishes in <= 5 minutes on 2 cores", f"{seconds / 60:.1f} min on {machine['cores']} cores",
         seconds <= 300 if machine["cores"] <= 2 else None),
    ]
    lines += ["", "| target | this run | met |", "|---|---|---|"]
    lines += [f"| {t} | {v} | {'n/a' if m is None else 'yes' if m else '**no**'} |" for t, v, m in rows]
    return lines + [""]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--out", default=str(REPO / "benchmarks/results.md"))
    p.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)  # one fresh process of `backends`
    p.add_argument("--timing", action="store_true", help=argparse.SUPPRESS)
    p.add_argument("--quick", action="store_true", help="a few minutes: GEMM peak, a frame per kernel set and "
                   "precision, bytes across 2 processes; updates its section of --out; exits 1 if the bytes differ")
    p.add_argument("--tiny", action="store_true", help="with --quick: small sizes, a check that it runs (writes nothing)")
    p.add_argument("--rounds", type=int, default=5, help="with --quick: rounds of frames (default 5)")
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)  # one kernel set of `quick`
    p.add_argument("--only", choices=["preview"], help="run one section alone and update it in --out (preview: "
                   "the demo's draft preview against its full render, about 8 minutes on 2 cores)")
    args = p.parse_args()
    if args.tiny:
        global QUICK_SIZE, QUICK_GEMM, PROBE_SIZE, PROBE_ITERATIONS, LAYERS
        QUICK_SIZE, QUICK_GEMM, PROBE_SIZE, PROBE_ITERATIONS = (160, 96), 256, (97, 83), 1
        LAYERS = LAYERS[:1]  # each layer is one more trace per kernel set and precision
    if args.probe:
        return probe(args.timing)
    if args.worker:
        return worker()
    weights.prepare(models.DEFAULT_MODEL)
    if args.quick:
        return 0 if quick(args.out, args.rounds, args.tiny) else 1
    if args.only == "preview":
        return update_section(Path(args.out), PREVIEW_HEADING, preview_section(preview_cost(), cpu()))
    machine = cpu()
    machine["onednn"] = onednn_version()
    start_tensorflow()
    machine["gemm"] = gemm_rate("float32")  # the kernels renders run on
    backend = backends()
    machine["peak"] = max([machine["gemm"]] + [r["gemm"] for r in backend.values()])
    machine["peak_bf16"] = max([r["gemm_bf16"] or 0 for r in backend.values()]) or None
    print(f"{machine['name']} (family {machine['family']}), flags {machine['flags']}: float32 GEMM {machine['gemm']:.0f} "
          f"GFLOP/s with the default kernels, best {machine['peak']:.0f}, nominal {machine['nominal']:.0f}", flush=True)
    core = core_speed(machine["peak"], machine["gemm"], machine["nominal"], args.runs)
    over = overheads(rounds=2 * args.runs + 1)
    ablated = ablation(args.runs)
    bf16 = bfloat16(args.runs, REPO / "benchmarks/bfloat16.jpg")
    peer = peer_speed(max(2, args.runs // 2))
    pipe = pipeline_overhead(frames=24)
    dag = dag_speed()
    write_results(Path(args.out), machine, backend, core, over, ablated, bf16, peer, pipe, dag, args.runs)
    update_section(Path(args.out), PREVIEW_HEADING, preview_section(preview_cost(), machine))


if __name__ == "__main__":
    sys.exit(main())
