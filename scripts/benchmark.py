"""Speed, side by side in one run; writes benchmarks/results.md (`make benchmark`).

- gradient step and full frame (zoom + colour balance + 1 iteration x 2 octaves + PNG write) for
  layers 3 and 6 at 640x360 and 1280x720, as seconds, GFLOP/s and % of this CPU's peak;
- the same frame made the seed's way and the TensorFlow tutorial's way, on the same model;
- Snakemake's overhead per frame against a plain loop, the DAG of 3,600 frames, a no-op rerun."""

import argparse
import datetime
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
sys.path.insert(0, str(REPO / "workflow"))
sys.path.insert(0, str(REPO))
import numpy as np  # noqa: E402

from dreamvideo import frame, models, networks, render  # noqa: E402

SIZES = [(640, 360), (1280, 720)]
LAYERS = [3, 6]
FRAME = dict(num_iterations=1, step_size=1.0, rescale_factor=0.7, num_repeats=1, blend=0.2, tile_size=400,
             zoom_speed=256, color_balance=[0.3333, 0.3333, 0.3334])


def cpu_peak():
    """(description, GFLOP/s): cores x clock x fp32 lanes x 2 (FMA) x 2 FMA units."""
    info = Path("/proc/cpuinfo").read_text()
    name = re.search(r"model name\s*:\s*(.*)", info).group(1).strip()
    mhz = float(re.search(r"cpu MHz\s*:\s*([\d.]+)", info).group(1))
    flags = re.search(r"flags\s*:\s*(.*)", info).group(1).split()
    lanes = 16 if "avx512f" in flags else 8 if "avx2" in flags else 4
    fma = 2 if "fma" in flags else 1
    cores = len(os.sched_getaffinity(0))
    per_cycle = lanes * fma * 2
    peak = cores * mhz / 1000 * per_cycle
    return (f"{name}, {cores} cores x {mhz / 1000:.2f} GHz x {per_cycle} fp32 FLOP/cycle "
            f"({lanes} lanes{' x 2 FMA' if fma == 2 else ''} x 2 units) = {peak:.0f} GFLOP/s peak"), peak


def median_time(fn, runs, warmup=3):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def step_flops(model_name, layer, tiles, tile_h, tile_w):
    """Forward conv FLOPs up to `layer` for a batch of tiles, x2 for the input gradient."""
    import keras

    features = models.features(model_name, layer)
    convs = [l for l in features.layers if isinstance(l, keras.layers.Conv2D)]
    probe = keras.Model(features.input, [c.output for c in convs])
    outputs = probe(np.zeros((1, tile_h, tile_w, 3), np.float32))
    forward = sum(2 * np.prod(o.shape[1:]) * np.prod(c.kernel.shape[:3]) for c, o in zip(convs, outputs))
    return 2 * tiles * float(forward)


def picture(size):
    return frame.fit(frame.read_rgb(REPO / "dreams/fractal_light/img_0.jpg"), size)


def core_speed(peak, runs):
    import tensorflow as tf

    from dreamvideo import dream

    rows = []
    for layer in LAYERS:
        dreamer = dream.dreamer(models.DEFAULT_MODEL, layer)
        for size in SIZES:
            pixels = picture(size).astype(np.float32)
            grid = dreamer.tile_grid(size[1], size[0], FRAME["tile_size"])
            tile_h, tile_w = -(-size[1] // grid[0]), -(-size[0] // grid[1])
            args = (tf.constant(pixels), tf.constant([[3, 5]], tf.int32), tf.constant(grid, tf.int32), tf.constant(1.0))
            step = median_time(lambda: dreamer.octave(*args).numpy(), runs)
            flops = step_flops(models.DEFAULT_MODEL, layer, grid[0] * grid[1], tile_h, tile_w)
            frame_s = time_frame(size, layer, runs, dream_fn=None)
            rows.append(dict(layer=layer, size=size, step=step, gflops=flops / 1e9, rate=flops / step / 1e9,
                             peak_pct=100 * flops / step / 1e9 / peak, frame=frame_s))
            print(f"layer {layer} {size[0]}x{size[1]}: step {step:.3f} s ({flops / 1e9:.1f} GFLOP, "
                  f"{flops / step / 1e9:.0f} GFLOP/s, {100 * flops / step / 1e9 / peak:.0f}% of peak), "
                  f"frame {frame_s:.3f} s", flush=True)
    return rows


def ablation(runs, layer=3, size=(640, 360)):
    """What each speed-up brings: one gradient step on the whole image, network variants."""
    import keras
    import tensorflow as tf

    name = models.get(models.DEFAULT_MODEL).layer_name(layer)
    plain = networks.inception_v3()
    plain.load_weights(models.weights_path(models.DEFAULT_MODEL))
    fast = models.network(models.DEFAULT_MODEL)
    variants = [
        ("Keras InceptionV3 as is, TensorFlow's gradients", plain, False),
        ("+ batch norms folded into the convs", networks.fast(plain, fast_gradients=False), False),
        ("+ conv input gradients as forward convs (ours)", fast, False),
        ("ours + XLA (jit_compile)", fast, True),
    ]
    x = tf.constant(picture(size)[None].astype(np.float32) / 128.0 - 1.0)
    flops = step_flops(models.DEFAULT_MODEL, layer, 1, size[1], size[0])
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


def time_frame(size, layer, runs, dream_fn, settings=None):
    """Median seconds of one chained frame: read PNG, zoom, balance, dream, write PNG."""
    workdir = Path(tempfile.mkdtemp())
    prev, out = workdir / "prev.png", workdir / "next.png"
    frame.write_atomic(picture(size), prev)
    record = dict(FRAME, **(settings or {}), model=models.DEFAULT_MODEL, layer=models.get(models.DEFAULT_MODEL).layer_name(layer),
                  seed=[0, 1], reference_brightness=float(picture(size).mean()))
    if dream_fn is None:
        seconds = median_time(lambda: render.dream_frame(prev, record, out), runs, warmup=1 if settings else 3)
    else:
        def peer_frame():
            pixels = frame.zoom(frame.read_rgb(prev), record["zoom_speed"])
            pixels = frame.balance(pixels, record["color_balance"], record["reference_brightness"])
            result = dream_fn(pixels, seed=1, **{k: record[k] for k in render.DREAM_SETTINGS})
            frame.write_atomic(np.clip(np.round(result), 0, 255).astype(np.uint8), out, compress_level=1)
        seconds = median_time(peer_frame, runs, warmup=1)
    shutil.rmtree(workdir)
    return seconds


SINGLE_IMAGE = dict(num_iterations=10, step_size=3.0, num_repeats=4)  # scripts/dream_image.py defaults


def peer_speed(runs):
    from benchmarks import peers

    model = models.get(models.DEFAULT_MODEL)
    rows = []
    cases = [(layer, "video frame", None, runs) for layer in LAYERS] + [(3, "single image", SINGLE_IMAGE, 1)]
    for layer, label, settings, n in cases:
        features = models.features(model.name, layer)
        ours = time_frame(SIZES[0], layer, n, None, settings)
        seed = time_frame(SIZES[0], layer, n, peers.SeedStyle(features, model.mean, model.std), settings)
        tutorial = time_frame(SIZES[0], layer, n, peers.TutorialStyle(features, model.mean, model.std), settings)
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


def pipeline_overhead(frames):
    """Per-frame interval of a chained render through Snakemake vs the same frames in a loop."""
    spec = f"size: [640, 360]\nsegments:\n  - {{frames: {frames}, layer: 3}}\n"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project(root, spec)
        snakemake(root, f"dreams/b/frames/{frames - 1:06d}.png")
        stamps = [p.stat().st_mtime for p in sorted((root / "dreams/b/frames").glob("*.png"))]
        # From the end of frame 2 on: frame 1 loads the model.
        piped = (stamps[-1] - stamps[2]) / (len(stamps) - 3)

        from dreamvideo import spec as dreamspec

        os.chdir(root)
        plan = dreamspec.plan_for("b")
        loop_dir = root / "loop"
        render.seed_frame(plan.frames[0], loop_dir / "000000.png")
        render.dream_frame(loop_dir / "000000.png", plan.frames[1], loop_dir / "000001.png")  # warm-up
        start = time.perf_counter()
        for i in range(2, frames):
            render.dream_frame(loop_dir / f"{i - 1:06d}.png", plan.frames[i], loop_dir / f"{i:06d}.png")
        looped = (time.perf_counter() - start) / (frames - 2)
        same = all((loop_dir / p.name).read_bytes() == p.read_bytes() for p in sorted((root / "dreams/b/frames").glob("*.png")))
        os.chdir(REPO)
    print(f"chained 640x360 frames: Snakemake {piped:.3f} s/frame, plain loop {looped:.3f} s/frame, "
          f"overhead {100 * (piped / looped - 1):+.1f}%, same bytes: {same}", flush=True)
    return dict(piped=piped, looped=looped, same=same)


def dag_speed(frames=3600):
    spec = f"size: [96, 64]\nsegments:\n  - {{frames: {frames}, layer: 3}}\n"
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        project(root, spec)
        dry, _ = snakemake(root, "-n", "dreams/b/final.mp4")
        # A finished render for the no-op rerun: frames, video and final in time order.
        snakemake(root, "dreams/b/frames/000002.png")
        frames_dir = root / "dreams/b/frames"
        sample = (frames_dir / "000002.png").read_bytes()
        for i in range(3, frames):
            (frames_dir / f"{i:06d}.png").write_bytes(sample)
        for path in ("dreams/b/video.mp4", "dreams/b/final.mp4"):
            (root / path).write_bytes(b"")
        stamp = time.time()
        for i, path in enumerate([*sorted(frames_dir.glob("*.png")), root / "dreams/b/video.mp4", root / "dreams/b/final.mp4"]):
            os.utime(path, (stamp + i * 0.001, stamp + i * 0.001))
        noop, done = snakemake(root, "dreams/b/final.mp4")
        nothing = "Nothing to be done" in done.stdout + done.stderr
    print(f"{frames} frames: dry-run DAG {dry:.1f} s, no-op rerun {noop:.1f} s (nothing to do: {nothing})", flush=True)
    return dict(frames=frames, dry=dry, noop=noop, nothing=nothing)


def targets(core, peer, pipe, dag):
    """(target, what this run measured, met) for each goal of the speed work."""
    def find(layer, size):
        return next(r for r in core if r["layer"] == layer and r["size"] == size)
    small, large = find(3, SIZES[0]), find(3, SIZES[1])
    frames = [r for r in peer if r["label"] == "video frame"]
    overhead = 100 * (pipe["piped"] / pipe["looped"] - 1)
    return [
        ("gradient step >= 60% of peak, 640x360, layer 3", f"{small['peak_pct']:.0f}% ({small['rate']:.0f} GFLOP/s)", small["peak_pct"] >= 60),
        ("frame 640x360 <= 0.6 s (layer 3)", f"{small['frame']:.3f} s", small["frame"] <= 0.6),
        ("frame 1280x720 <= 2.5 s (layer 3)", f"{large['frame']:.3f} s", large["frame"] <= 2.5),
        (">= 5x faster per video frame than the seed's way",
         ", ".join(f"layer {r['layer']}: {r['seed'] / r['ours']:.1f}x" for r in frames), all(r["seed"] / r["ours"] >= 5 for r in frames)),
        ("Snakemake overhead <= 5% of frame time", f"{overhead:+.1f}%", overhead <= 5),
        ("DAG of 3,600 frames <= 5 s", f"{dag['dry']:.1f} s", dag["dry"] <= 5),
        ("no-op rerun <= 5 s", f"{dag['noop']:.1f} s", dag["noop"] <= 5),
    ]


def write_results(path, machine, core, ablated, peer, pipe, dag, runs):
    import tensorflow as tf

    lines = [
        "# Benchmark results",
        "",
        f"Written by `python scripts/benchmark.py` on {datetime.date.today()}: every number below comes from that run.",
        f"Machine: {machine}; Python {platform.python_version()}, TensorFlow {tf.__version__}.",
        f"Model {models.DEFAULT_MODEL}; medians of {runs} runs after warm-up; frame = read PNG, zoom, colour balance,",
        "1 iteration x 2 octaves (num_repeats 1), tile size 400, write PNG.",
        "",
        "## Dream step and frame",
        "",
        "| layer | size | gradient step | GFLOP per step | GFLOP/s | % of peak | full frame |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in core:
        lines.append(f"| {r['layer']} ({models.get(models.DEFAULT_MODEL).layer_name(r['layer'])}) | {r['size'][0]}x{r['size'][1]} "
                     f"| {r['step']:.3f} s | {r['gflops']:.1f} | {r['rate']:.0f} | {r['peak_pct']:.0f}% | {r['frame']:.3f} s |")
    lines += ["", "## What each speed-up brings (one gradient step, 640x360, layer 3, whole image)", "",
              "| network | step | GFLOP/s |", "|---|---|---|"]
    lines += [f"| {r['label']} | {r['step']:.3f} s | {r['rate']:.0f} |" for r in ablated]
    lines += ["", "## The same 640x360 frame, made the peers' way", "",
              f"Video frame: the settings above. Single image: `dream_image.py` defaults "
              f"({SINGLE_IMAGE['num_iterations']} iterations x {SINGLE_IMAGE['num_repeats'] + 1} octaves, step 3), one run after warm-up.", "",
              "| layer | what | ours | seed's way (Hvass-style) | speed-up | TF tutorial's way | speed-up |",
              "|---|---|---|---|---|---|---|"]
    for r in peer:
        lines.append(f"| {r['layer']} | {r['label']} | {r['ours']:.3f} s | {r['seed']:.3f} s | {r['seed'] / r['ours']:.1f}x "
                     f"| {r['tutorial']:.3f} s | {r['tutorial'] / r['ours']:.1f}x |")
    lines += ["", "## Pipeline", "",
              f"- Chained 640x360 frames, layer 3: through Snakemake {pipe['piped']:.3f} s/frame, plain loop "
              f"{pipe['looped']:.3f} s/frame: overhead {100 * (pipe['piped'] / pipe['looped'] - 1):+.1f}% "
              f"(identical frame bytes: {pipe['same']}).",
              f"- {dag['frames']} frames: `snakemake -n` {dag['dry']:.1f} s; no-op rerun of a finished render "
              f"{dag['noop']:.1f} s (nothing to do: {dag['nothing']}). Both include Snakemake's start-up.", ""]
    lines += ["## Targets", "", "| target | this run | met |", "|---|---|---|"]
    for target, value, met in targets(core, peer, pipe, dag):
        lines.append(f"| {target} | {value} | {'yes' if met else '**no**'} |")
    lines += [""]
    path.write_text("\n".join(lines))
    print(f"wrote {path.relative_to(REPO)}")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--out", default=str(REPO / "benchmarks/results.md"))
    args = p.parse_args()
    machine, peak = cpu_peak()
    print(machine, flush=True)
    models.prepare(models.DEFAULT_MODEL)
    core = core_speed(peak, args.runs)
    ablated = ablation(args.runs)
    peer = peer_speed(max(2, args.runs // 2))
    pipe = pipeline_overhead(frames=10)
    dag = dag_speed()
    write_results(Path(args.out), machine, core, ablated, peer, pipe, dag, args.runs)


if __name__ == "__main__":
    main()
