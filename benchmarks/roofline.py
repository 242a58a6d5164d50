"""Where a dream step's time goes, op class by op class, against the peaks measured in the same
process: TensorFlow's profiler traces one octave call (one gradient step on the whole frame) and
each op's time and the bytes of its outputs are summed per class; the convolutions' FLOPs come from
the network's shapes. Two peaks: a GEMM in the frame's precision, and the network's own
convolutions (each shape of this step, forward and input gradient as the step runs them) timed
alone, one at a time. Memory-bound classes are given in bytes written against a plain copy's.

    python -m benchmarks.roofline                      # 640x360, layers 3 and 6, default precision
    python -m benchmarks.roofline --size 1920 1080 --layers 3
"""

import argparse
import collections
import glob
import shutil
import tempfile

import numpy as np

from dreamvideo.network import models

from .base import default_precision, median_time, start_tensorflow

# (row, test on (node name, op type)); the first that matches takes the op. The network runs in
# Keras' scopes, its gradients in the tape's and in network/gradients.py's own (a name scope in
# network/dream.py changed a layer-6 dream's bytes: Grappler orders some rewrites by name).
CLASSES = (
    ("max pool gradients", lambda node, op: "max_pool_gradient" in node or "MaxPoolGrad" in op),
    ("average pool gradients", lambda node, op: "AvgPoolGrad" in op),
    (
        "convolutions, forward",
        lambda node, op: "Conv2D" in op and "Backprop" not in op and "/functional" in node and "gradient" not in node,
    ),
    ("convolutions, input gradients", lambda node, op: "Conv2D" in op or "conv_gradient" in node),
    ("ReLU gradients", lambda node, op: op == "ReluGrad"),
    ("concats, and their gradients' slices", lambda node, op: "Concat" in op or (op == "Slice" and "/mixed" in node)),
    ("input normalisation ((x - mean) / std, and its gradient)", lambda node, op: op in ("Sub", "RealDiv")),
    ("pads", lambda node, op: op in ("Pad", "PadV2", "MirrorPad")),
    ("average pools, forward", lambda node, op: "AvgPool" in op),
    ("max pools, forward", lambda node, op: "MaxPool" in op),
    ("casts (bfloat16)", lambda node, op: op == "Cast"),
    ("gradient sums (a tensor read by several branches)", lambda node, op: op == "AddN"),
    ("transposes", lambda node, op: "Transpose" in op),
)
# Not in the network's scopes, nor a gradient's: the octave's tiles, the objective, smoothing, step.
OTHER = "the octave's own (tiles, objective, smoothing, step)"
WRAPPERS = ("Process", "Run", "FunctionRun", "EagerExecute", "EagerKernelExecute", "ParallelFor")


def classify(node, op):
    return next(
        (row for row, test in CLASSES if test(node, op)), OTHER if _outside(node) else "the network's other ops"
    )


def _outside(node):
    return not any(scope in node for scope in ("/functional", "gradient_tape", "_gradient"))


def trace(fn, calls):
    """{node: (op type, seconds per call, bytes written per call)} of `calls` calls of fn, traced."""
    import tensorflow as tf
    from tensorflow.tsl.profiler.protobuf import xplane_pb2

    logdir = tempfile.mkdtemp()
    try:
        tf.profiler.experimental.start(logdir)
        for _ in range(calls):
            fn()
        tf.profiler.experimental.stop()
        space = xplane_pb2.XSpace()
        space.ParseFromString(open(sorted(glob.glob(f"{logdir}/**/*.xplane.pb", recursive=True))[-1], "rb").read())
    finally:
        shutil.rmtree(logdir)
    ops, seconds, written = {}, collections.Counter(), collections.Counter()
    for plane in space.planes:
        names, stat_names = plane.event_metadata, plane.stat_metadata
        for line in plane.lines:
            for event in line.events:
                name = names[event.metadata_id].name
                if name == "MemoryAllocation":
                    stats = {stat_names[s.metadata_id].name: _value(s, stat_names) for s in event.stats}
                    if stats.get("region_type") == "output" and stats.get("tf_op"):
                        written[stats["tf_op"]] += stats.get("requested_bytes") or 0
                elif ":" in name and not name.startswith(("$", " ")):
                    node, op = name.rsplit(":", 1)
                    if op not in WRAPPERS and not op.startswith(" "):
                        ops[node] = op
                        seconds[node] += event.duration_ps * 1e-12
    return {node: (op, seconds[node] / calls, written[node] / calls) for node, op in ops.items()}


def _value(stat, stat_names):
    """An XStat's value: text (inline or a reference to the plane's names) or a number."""
    if stat.HasField("ref_value"):
        return stat_names[stat.ref_value].name
    kind = stat.WhichOneof("value")
    return getattr(stat, kind) if kind else None


def conv_shapes(layer, tiles, tile_h, tile_w, precision):
    """[(input shape, kernel, stride, padding)] of every convolution up to `layer` for this batch of tiles."""
    import keras

    from dreamvideo.network import loading

    features = loading.features(models.DEFAULT_MODEL, layer, precision)
    convs = [each for each in features.layers if isinstance(each, keras.layers.Conv2D)]
    probe = keras.Model(features.input, [c.input for c in convs])
    inputs = probe(np.zeros((tiles, tile_h, tile_w, 3), np.float32))
    return [(tuple(x.shape), c.frozen, c.strides[0], c.padding.upper()) for c, x in zip(convs, inputs)]


def conv_flops(shapes):
    """Forward FLOPs of these convolutions (x2: one multiply, one add)."""
    total = 0
    for shape, kernel, stride, padding in shapes:
        kh, kw, cin, cout = kernel.shape
        h, w = shape[1], shape[2]
        oh = (h - kh) // stride + 1 if padding == "VALID" else -(-h // stride)
        ow = (w - kw) // stride + 1 if padding == "VALID" else -(-w // stride)
        total += 2 * shape[0] * oh * ow * kh * kw * cin * cout
    return float(total)


def convs_alone(shapes, precision, runs=5):
    """Seconds of the step's convolutions alone (each shape on its own random input, nothing else
    between them), forward and input gradients (the network's own conv layer, so the gradients run
    as the step's do), each set in one call: (forward, gradients)."""
    import tensorflow as tf

    from dreamvideo.network import networks

    _, Conv2D = networks._dreaming_layer_classes(True)
    dtype = tf.bfloat16 if precision == "bfloat16" else tf.float32

    def conv(layer, x):
        return layer.convolution_op(x, tf.cast(layer.kernel, dtype))

    layers, inputs, outputs = [], [], []
    for k, (shape, kernel, stride, padding) in enumerate(shapes):
        layer = Conv2D(kernel.shape[3], kernel.shape[:2], strides=stride, padding=padding.lower(), use_bias=False)
        layer.build(shape)
        layer.frozen = kernel
        layers.append(layer)
        inputs.append(tf.cast(tf.random.stateless_normal(shape, seed=[1, k]), dtype))
        outputs.append(tf.cast(tf.random.stateless_normal(conv(layer, inputs[-1]).shape, seed=[2, k]), dtype))

    @tf.function
    def ahead(inputs):
        return [conv(layer, x)[0, 0, 0, 0] for layer, x in zip(layers, inputs)]  # one element back: no copy

    @tf.function
    def back(inputs, dys):
        with tf.GradientTape(persistent=True) as tape:
            tape.watch(inputs)
            ys = [conv(layer, x) for layer, x in zip(layers, inputs)]
        # The outputs' values are not needed for the input gradients: Grappler prunes the forward.
        return [tape.gradient(y, x, dy)[0, 0, 0, 0] for x, y, dy in zip(inputs, ys, dys)]

    forward = median_time(lambda: [t.numpy() for t in ahead(inputs)], runs)
    return forward, median_time(lambda: [t.numpy() for t in back(inputs, outputs)], runs)


def copy_bandwidth(megabytes=256, runs=5):
    """Bytes written per second by a plain copy of a large array (numpy, one thread): the yardstick
    of the memory-bound rows."""
    a = np.ones(megabytes * 2**20 // 4, np.float32)
    b = np.empty_like(a)
    return a.nbytes / median_time(lambda: np.copyto(b, a), runs)


def measure(layer, size, precision=None, calls=5, runs=5):
    """One octave call (one gradient step, the whole frame, its tiles as a frame's) traced; its op
    classes, the convolutions' FLOPs, the same convolutions alone, and the step's time untraced."""
    from dreamvideo.network import dream

    from .frame import octave_args

    precision = precision or default_precision()
    dreamer = dream.dreamer(models.DEFAULT_MODEL, layer, precision)
    args, grid, (tile_h, tile_w) = octave_args(dreamer, size)
    octave = lambda: dreamer.octave(*args).numpy()  # noqa: E731
    step = median_time(octave, runs)
    nodes = trace(octave, calls)
    shapes = conv_shapes(layer, grid[0] * grid[1], tile_h, tile_w, precision)
    flops = conv_flops(shapes)
    alone = convs_alone(shapes, precision)
    rows = collections.defaultdict(lambda: [0.0, 0.0, 0])
    for node, (op, seconds, written) in nodes.items():
        row = rows[classify(node, op)]
        row[0], row[1], row[2] = row[0] + seconds, row[1] + written, row[2] + 1
    return dict(
        layer=layer,
        size=tuple(size),
        precision=precision,
        step=step,
        flops=flops,  # forward; the input gradients do as many
        alone=alone,
        rows={name: dict(seconds=s, written=w, ops=n) for name, (s, w, n) in rows.items()},
    )


def table(result, peak, bandwidth):
    """Markdown rows: op class, ms per step, FLOP or bytes written, % of the peak (FLOP rows: the
    higher of the GEMM and the convolutions alone) or of a plain copy's bandwidth (bytes rows)."""
    rows, total = result["rows"], sum(r["seconds"] for r in result["rows"].values())
    lines = [
        "| op class | ms per step | share of op time | ops | FLOP / bytes written | rate | % of peak |",
        "|---|---|---|---|---|---|---|",
    ]
    for name in sorted(rows, key=lambda n: -rows[n]["seconds"]):
        r = rows[name]
        if name.startswith("convolutions"):
            amount, rate = f"{result['flops'] / 1e9:.1f} GFLOP", result["flops"] / r["seconds"] / 1e9
            cells = f"{amount} | {rate:.0f} GFLOP/s | {100 * rate * 1e9 / peak:.0f}%"
        else:
            rate = r["written"] / r["seconds"] / 1e9 if r["seconds"] else 0.0
            cells = f"{r['written'] / 1e6:.0f} MB | {rate:.1f} GB/s | {100 * rate * 1e9 / bandwidth:.0f}% of a copy"
            if not r["written"]:  # its output reuses an input's buffer: the profiler records no allocation
                cells = "n/a (in place) | | "
        lines.append(
            f"| {name} | {1000 * r['seconds']:.1f} | {100 * r['seconds'] / total:.0f}% | {r['ops']} | {cells} |"
        )
    return "\n".join(lines)


def main():
    p = argparse.ArgumentParser(prog="python -m benchmarks.roofline", description=__doc__)
    p.add_argument("--size", type=int, nargs=2, default=[640, 360])
    p.add_argument("--layers", type=int, nargs="+", default=[3, 6])
    p.add_argument("--precision", choices=models.PRECISIONS)
    args = p.parse_args()
    start_tensorflow()
    from . import machine

    precision = args.precision or default_precision()
    gemm = machine.gemm_rate(precision)
    bandwidth = copy_bandwidth()
    print(f"GEMM {precision} {gemm:.0f} GFLOP/s; a copy writes {bandwidth / 1e9:.1f} GB/s")
    for layer in args.layers:
        r = measure(layer, tuple(args.size), precision)
        conv_rate = 2 * r["flops"] / sum(r["alone"]) / 1e9
        peak = max(gemm, conv_rate) * 1e9
        step_rate = 2 * r["flops"] / r["step"] / 1e9
        print(
            f"\nlayer {layer} {args.size[0]}x{args.size[1]} {precision}: step {1000 * r['step']:.1f} ms, "
            f"{2 * r['flops'] / 1e9:.1f} GFLOP, {step_rate:.0f} GFLOP/s = "
            f"{100 * step_rate * 1e9 / peak:.0f}% of the peak; "
            f"convolutions alone {conv_rate:.0f} GFLOP/s (forward {1000 * r['alone'][0]:.1f} ms, "
            f"gradients {1000 * r['alone'][1]:.1f} ms)"
        )
        print(table(r, peak, bandwidth))


if __name__ == "__main__":
    main()
