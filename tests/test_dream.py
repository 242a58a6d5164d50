"""The dream algorithm on the real converted Inception v3."""

import numpy as np
import pytest
from PIL import Image

from dreamvideo.frame import pictures
from dreamvideo.network import dream, models
from dreamvideo.outputs import look


@pytest.fixture(scope="module")
def card(repo):
    return np.asarray(Image.open(repo / "tests/data/golden_input.png").convert("RGB"))


def small(card, width, height):
    return np.asarray(Image.fromarray(card).resize((width, height)))


def test_same_seed_same_bytes_other_seed_differs(card):
    dreamer = dream.dreamer("inception_v3", 4)
    image = small(card, 160, 120)
    settings = dict(num_iterations=3, step_size=2.0, num_repeats=1, tile_size=100)
    a = pictures.to_uint8(dreamer(image, seed=5, **settings))
    b = pictures.to_uint8(dreamer(image, seed=5, **settings))
    c = pictures.to_uint8(dreamer(image, seed=6, **settings))
    assert a.tobytes() == b.tobytes()
    assert a.tobytes() != c.tobytes()


@pytest.mark.parametrize("size", [(101, 77), (64, 48), (333, 250), (97, 411)])
def test_any_size_keeps_its_size_without_retracing(card, size):
    dreamer = dream.dreamer("inception_v3", 3)
    before = dreamer.octave.experimental_get_tracing_count()
    out = dreamer(small(card, *size), num_iterations=2, num_repeats=2, tile_size=90, seed=1)
    assert out.shape == (size[1], size[0], 3)
    assert np.isfinite(out).all()
    # Built once for the first size; later sizes and tile grids reuse the same graph.
    assert dreamer.octave.experimental_get_tracing_count() == max(before, 1)


def test_dreaming_changes_the_image_and_tile_size_is_honoured(card):
    dreamer = dream.dreamer("inception_v3", 4)
    image = small(card, 240, 160)
    tiled = dreamer(image, num_iterations=4, step_size=3.0, num_repeats=0, tile_size=80, seed=2)
    whole = dreamer(image, num_iterations=4, step_size=3.0, num_repeats=0, tile_size=0, seed=2)
    assert np.abs(tiled - image).mean() > 2  # it visibly moved (steps of 3, smoothed)
    assert np.abs(tiled - whole).mean() > 1  # a 3x2 grid of tiles is not the whole image
    assert dreamer.tile_grid(160, 240, 80) == (2, 3)
    assert dreamer.tile_grid(160, 240, 0) == (1, 1)
    assert dreamer.tile_grid(100, 1000, 10) == (1, 13)  # never a tile below the model's 75 px


def test_every_numbered_layer_dreams(card):
    image = small(card, 96, 96)
    for number in range(1, 12):
        out = dream.dreamer("inception_v3", number)(image, num_iterations=1, num_repeats=0, seed=0)
        assert out.shape == image.shape and np.abs(out - image).mean() > 0.1, number


def test_layers_by_number_and_name():
    model = models.get("inception_v3")
    assert [model.layer_name(n) for n in range(1, 12)] == [f"mixed{i}" for i in range(11)]
    assert model.layer_name("mixed4") == "mixed4" and model.layer_name("7") == "mixed6"
    for bad in (0, 12, "nope", "conv2d"):
        with pytest.raises(
            models.ModelError, match=r"unknown layer .* use a number 1\.\.11 or a name \(mixed0, mixed1"
        ):
            model.layer_name(bad)
    with pytest.raises(models.ModelError, match="unknown model 'resnet'"):
        models.get("resnet")


def test_image_modes_are_converted_explicitly(tmp_path):
    grey = np.arange(0, 256, 4, dtype=np.uint8).reshape(8, 8)
    Image.fromarray(grey, "L").save(tmp_path / "grey.png")
    assert (pictures.read_rgb(tmp_path / "grey.png") == grey[..., None]).all()

    sixteen = grey.astype(np.uint16) * 257
    Image.fromarray(sixteen).save(tmp_path / "deep.png")
    assert np.abs(pictures.read_rgb(tmp_path / "deep.png")[..., 0].astype(int) - grey).max() <= 1

    rgba = np.zeros((4, 4, 4), np.uint8)
    rgba[..., 0] = 200
    rgba[..., 3] = 128  # half transparent red over black
    Image.fromarray(rgba, "RGBA").save(tmp_path / "alpha.png")
    assert tuple(pictures.read_rgb(tmp_path / "alpha.png")[0, 0]) == (100, 0, 0)

    Image.fromarray(np.full((4, 4, 3), 90, np.uint8)).convert("P").save(tmp_path / "palette.png")
    assert pictures.read_rgb(tmp_path / "palette.png").shape == (4, 4, 3)

    (tmp_path / "junk.png").write_bytes(b"not an image")
    with pytest.raises(pictures.ImageError, match="not a readable image"):
        pictures.read_rgb(tmp_path / "junk.png")


def test_fft_smoothing_equals_the_three_blurs():
    """The seed's blur(s) + blur(2s) + blur(s/2), done in one FFT pass, matches three separable
    Gaussian blurs with reflected edges, at odd sizes and every width the iterations use."""
    import tensorflow as tf

    rng = np.random.default_rng(0)
    for shape in [(77, 101, 3), (120, 90, 3)]:
        grad = tf.constant(rng.normal(size=shape).astype(np.float32))
        for sigma in (0.5, 1.7, 4.5):
            s = tf.constant(sigma)
            blurs = [dream.gaussian_blur(grad.numpy(), k * sigma) for k in (1.0, 2.0, 0.5)]
            np.testing.assert_allclose(dream._smooth(grad, s), sum(blurs), atol=1e-5)


def test_objective_mix_weights_trace_once_and_channels_narrow_the_dream(card):
    image = small(card, 120, 96)
    settings = dict(num_iterations=2, step_size=2.0, num_repeats=0, tile_size=0, seed=4)
    mix = [["mixed2", 1.0, []], ["mixed6", 0.5, [3, 17]]]
    dreamer = dream.dreamer("inception_v3", mix)
    assert dream.dreamer("inception_v3", [["mixed2", 0.2, []], ["mixed6", 0.9, [3, 17]]]) is dreamer  # same shape
    outs = [dreamer(image, weights=w, **settings) for w in ([1.0, 0.0], [0.5, 0.5], [0.0, 1.0], [0.3, 0.7])]
    assert dreamer.octave.experimental_get_tracing_count() == 1  # weights are an input: no retrace per frame
    # Weight 0 leaves a term out: the [1, 0] mix dreams exactly like mixed2 alone would lead it.
    alone = dream.dreamer("inception_v3", 3)(image, **settings)
    assert np.abs(outs[0] - alone).max() < 1.0
    assert np.abs(outs[0] - outs[2]).mean() > 0.5 and np.abs(outs[1] - outs[0]).mean() > 0.1
    whole = dream.dreamer("inception_v3", [["mixed6", 1.0, []]])(image, **settings)
    narrow = dream.dreamer("inception_v3", [["mixed6", 1.0, [3, 17]]])(image, **settings)
    assert np.abs(whole - narrow).mean() > 0.5  # two channels of 768 draw something else


def test_the_last_written_frame_reads_back_from_memory_with_the_same_pixels(tmp_path):
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
    path = tmp_path / "000001.png"
    pictures.write_frame(pixels, path)
    cached = pictures.read_frame(path)
    pictures._last_written.clear()
    decoded = pictures.read_frame(path)
    assert cached.tobytes() == decoded.tobytes() == pixels.tobytes()
    pictures.write_frame(pixels, path)
    other = rng.integers(0, 256, (37, 53, 3), dtype=np.uint8)
    pictures.write_atomic(other, path)  # the file changed behind the cache's back: decode it
    assert pictures.read_frame(path).tobytes() == other.tobytes()


def test_a_chunk_writes_each_frame_beside_the_next_ones_dream_same_bytes_and_errors(tmp_path, repo):
    """make_frames writes a frame's PNG in a second thread while the next frame dreams on its
    pixels from memory: the files equal those of one make_frame at a time, all are on disk when it
    returns, and a write that fails fails the chunk."""
    import threading

    from dreamvideo.frame import render
    from dreamvideo.plan import spec

    data = {
        "seed_image": str(repo / "tests/data/golden_input.png"),
        "size": [96, 64],
        "seed": 2,
        "segments": [{"frames": 4, "layer": 3}],
    }
    frames = spec.plan("t", spec.validate(data), "t.yaml").frames
    one_by_one, chunk = tmp_path / "one", tmp_path / "chunk"
    one_by_one.mkdir(), chunk.mkdir()
    previous = None
    for i, record in enumerate(frames):
        render.make_frame(i, record, one_by_one / f"{i}.png", previous)
        previous = one_by_one / f"{i}.png"
    writers = []
    real_write = pictures.write_frame

    def write(pixels, path):
        writers.append(threading.current_thread().name)
        real_write(pixels, path)

    pictures.write_frame = write
    try:
        render.make_frames(range(4), frames, [chunk / f"{i}.png" for i in range(4)])
    finally:
        pictures.write_frame = real_write
    assert [p.read_bytes() for p in sorted(chunk.glob("*.png"))] == [
        p.read_bytes() for p in sorted(one_by_one.glob("*.png"))
    ]
    assert len(writers) == 4 and all(name.startswith("frame-writer") for name in writers), writers
    with pytest.raises(OSError):  # frame 2's folder is a file: its write fails, and so does the chunk
        (tmp_path / "blocked").write_text("")
        paths = [chunk / "a.png", chunk / "b.png", tmp_path / "blocked" / "c.png", chunk / "d.png"]
        render.make_frames(range(4), frames, paths)


def test_detail_octaves_keep_the_frames_own_detail_and_blend_blurs_it(card):
    """With a vanishing step, the dream changes nothing: `detail` octaves hand the frame back as it
    was (only the dream's change is upscaled), `blend` octaves replace 80 % of it by a blurred copy."""
    image = small(card, 200, 120).astype(np.float32)
    dreamer = dream.dreamer("inception_v3", 4)
    settings = dict(num_iterations=1, step_size=1e-3, num_repeats=2, tile_size=0, seed=0)
    kept = dreamer(image, octave_mode="detail", **settings)
    blurred = dreamer(image, octave_mode="blend", **settings)
    assert np.abs(kept - image).max() < 0.05
    assert look.detail(kept) == pytest.approx(look.detail(image), rel=0.01)
    assert look.detail(blurred) < 0.6 * look.detail(image)
    with pytest.raises(ValueError, match="octave_mode 'sharp' is not one of detail, blend"):
        dreamer(image, octave_mode="sharp", **settings)


def test_a_zoom_chain_keeps_its_detail_with_detail_octaves(card):
    """Frame after frame (zoom 1.02, 1 iteration x 2 octaves, uint8 between frames as saved), the
    seed's blend octaves blur the frames while detail octaves keep them as sharp as they started."""
    from dreamvideo.frame import camera

    start = small(card, 192, 112)
    m = camera.matrix(192, 112, zoom=1.02)
    dreamer = dream.dreamer("inception_v3", 4)
    details = {}
    for mode in ("detail", "blend"):
        pixels, curve = start, []
        for index in range(16):
            moved = camera.warp(pixels, m)
            pixels = pictures.to_uint8(
                dreamer(
                    moved,
                    num_iterations=1,
                    step_size=1.0,
                    num_repeats=1,
                    tile_size=0,
                    seed=[0, index],
                    octave_mode=mode,
                )
            )
            curve.append(look.detail(pixels))
        details[mode] = np.mean(curve[-4:]) / look.detail(start)
    assert details["detail"] > 0.85
    assert details["blend"] < 0.7 * details["detail"]
