"""Schedules: numbers, expressions, Deforum keyframe strings and keyframe mappings → per-frame arrays."""

import numpy as np
import pytest

from dreamvideo.plan.schedule import ScheduleError, is_schedule, resolve, smoothstep


def test_constant():
    out = resolve(1.02, 5, 24)
    assert out.dtype == np.float64 and out.shape == (5,)
    np.testing.assert_array_equal(out, np.full(5, 1.02))
    np.testing.assert_array_equal(resolve(3, 2, 24), [3.0, 3.0])
    assert not is_schedule(1.5) and not is_schedule(2)
    assert is_schedule("1+t") and is_schedule({0: 1})


def test_plain_expression_and_variables():
    t = np.arange(100.0)
    np.testing.assert_array_equal(
        resolve("1.0025+0.002*sin(1.25*3.14*t/30)", 100, 30), 1.0025 + 0.002 * np.sin(1.25 * 3.14 * t / 30)
    )
    np.testing.assert_array_equal(resolve("f", 4, 24, offset=10), [10, 11, 12, 13])
    np.testing.assert_allclose(resolve("s", 4, 24), t[:4] / 24)
    np.testing.assert_array_equal(resolve("max_f + fps", 3, 24), [26.0] * 3)
    np.testing.assert_array_equal(resolve("(t >= 2) - (t > 3)", 6, 24), [0, 0, 1, 1, 0, 0])
    np.testing.assert_array_equal(resolve("t if t < 2 else -1", 4, 24), [0, 1, -1, -1])


def test_extra_variables():
    beat = np.zeros(48)
    beat[::12] = 1.0
    out = resolve("1 + 0.05*beat*clip(t/24, 0, 1)", 48, 24, variables={"beat": beat})
    np.testing.assert_array_equal(out, 1 + 0.05 * beat * np.clip(np.arange(48) / 24, 0, 1))
    assert out[12] == pytest.approx(1.025) and out[13] == 1.0


def test_linear_midpoint_is_exact():
    assert resolve({0: 0.0, 10: 1.0}, 11, 24)[5] == 0.5
    out = resolve("0:(1.0), 30:(1.02)", 31, 24)
    assert out[15] == pytest.approx(1.01, abs=1e-15)
    np.testing.assert_allclose(out, np.linspace(1.0, 1.02, 31), rtol=0, atol=1e-15)


def test_hold_before_first_and_after_last_keyframe():
    out = resolve("10:(2), 20:(4)", 30, 24)
    np.testing.assert_array_equal(out[:11], 2.0)
    np.testing.assert_array_equal(out[20:], 4.0)
    assert out[15] == 3.0


def test_keyframe_past_the_end_shapes_the_ramp():
    np.testing.assert_allclose(resolve({0: 0, 20: 2}, 10, 24), np.arange(10) / 10, rtol=0, atol=1e-15)


def test_step_holds():
    out = resolve({0: 1, 5: 2, 8: 3, "interpolation": "step"}, 10, 24)
    np.testing.assert_array_equal(out, [1, 1, 1, 1, 1, 2, 2, 2, 3, 3])


def test_seconds_keys():
    out24 = resolve({0: 0, "2.5s": 1, "interpolation": "step"}, 100, 24)
    out30 = resolve("0:(0), 2.5s:(1)", 100, 30)
    assert np.flatnonzero(out24 == 1)[0] == 60  # 2.5 s at 24 fps
    assert np.flatnonzero(out30 == 1)[0] == 75  # 2.5 s at 30 fps
    assert out30[74] < 1.0


def test_smooth_two_keys_is_smoothstep():
    out = resolve({0: 1.0, 20: 3.0, "interpolation": "smooth"}, 30, 24)
    assert out[0] == 1.0 and out[20] == 3.0 and np.all(out[20:] == 3.0)
    np.testing.assert_allclose(out[:21], 1.0 + 2.0 * smoothstep(np.arange(21) / 20), atol=1e-12)
    assert np.all(np.diff(out) >= 0)
    assert out[1] - out[0] < 0.1 * (out[11] - out[10])  # eases in, unlike linear


def test_smooth_hits_keys_is_monotone_and_c1():
    keys = {0: 0.0, 100: 1.0, 200: 3.0, 300: 3.5, 320: 3.5, 400: 5.0}
    smooth = resolve({**keys, "interpolation": "smooth"}, 420, 24)
    linear = resolve(keys, 420, 24)
    for frame, value in keys.items():
        assert smooth[frame] == value
    assert np.all(np.diff(smooth) >= 0)  # monotone data stays monotone ...
    assert np.all(smooth[300:321] == 3.5)  # ... and never overshoots a flat stretch

    def kink(out, k):  # left vs right slope at k, each a second-order one-sided difference
        left = (3 * out[k] - 4 * out[k - 1] + out[k - 2]) / 2
        right = (-3 * out[k] + 4 * out[k + 1] - out[k + 2]) / 2
        return abs(right - left)

    assert kink(linear, 200) > 0.01 and kink(linear, 400) > 0.01  # the test sees a kink ...
    for k in (100, 200, 400):
        assert kink(smooth, k) < 1e-4  # ... and smooth has none, nor into the final hold


def test_deforum_expression_keyframe_matches_numpy():
    out = resolve("0: (0), 24: (1.0025+0.002*sin(t))", 48, 24)
    t = np.arange(48.0)
    np.testing.assert_array_equal(out[24:], 1.0025 + 0.002 * np.sin(t[24:]))
    # frames before the expression ramp linearly to its first value, as Deforum does
    np.testing.assert_allclose(out[:25], np.linspace(0, 1.0025 + 0.002 * np.sin(24.0), 25), atol=1e-15)


def test_deforum_expression_runs_until_next_keyframe():
    out = resolve("0:(t*10), 5:(1), 9:(t)", 12, 24)
    np.testing.assert_array_equal(out[:5], [0, 10, 20, 30, 40])
    np.testing.assert_array_equal(out[5:9], [1, 3, 5, 7])  # ramps to the next expression's first value
    np.testing.assert_array_equal(out[9:], [9, 10, 11])


def test_deforum_commas_inside_expressions():
    out = resolve("0:(max(0.5, sin(t))), 10:(clip(t/20, 0, 1))", 20, 24)
    t = np.arange(20.0)
    np.testing.assert_array_equal(out[:10], np.maximum(0.5, np.sin(t[:10])))
    np.testing.assert_array_equal(out[10:], np.clip(t[10:] / 20, 0, 1))


def test_deforum_position_expression():
    out = resolve("0:(0), max_f:(1)", 11, 24)
    np.testing.assert_allclose(out, np.arange(11) / 10, atol=1e-15)


def one_line_error(value, match, **kwargs):
    with pytest.raises(ScheduleError, match=match) as info:
        resolve(value, 10, 24, **kwargs)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


@pytest.mark.parametrize(
    "value, match",
    [
        ("__import__('os')", r"unknown function '__import__' \(allowed: sin, cos"),
        ("os.system('x')", r"attribute access '\.system'"),
        ("().__class__", r"attribute access '\.__class__'"),
        ('"a"*3', "strings are not allowed"),
        ({0: "(lambda: 1)()"}, "lambda is not allowed"),
        ("lambda: 1", "lambda is not allowed"),
        ("t[0]", "subscript is not allowed"),
        ("round(t, ndigits=2)", "keyword arguments"),
        ("x + 1", r"unknown name 'x' \(variables: t, f, s, max_f, fps"),
        ("0:(1), 5:(1+y)", "keyframe 5: unknown name 'y'"),
        ("1 +", "syntax error"),
        ("sin(t", "syntax error"),
        ("sin(t, t)", r"sin\(\) takes 1"),
    ],
)
def test_refused(value, match):
    one_line_error(value, match)


def test_refused_input_forms():
    one_line_error("0:(1), 0:(2)", "duplicate keyframe 0")
    one_line_error({-1: 1.0}, "negative")
    one_line_error("-3:(1)", "negative")
    one_line_error({2.5: 1.0}, "not a whole frame")
    one_line_error({0: 1, "interpolation": "cubic"}, "interpolation 'cubic'")
    one_line_error("1" * 1001, "longer than 1000")
    one_line_error([1, 2], "expected a number")


def test_non_finite_refused():
    one_line_error("10**10**10", "not finite at frame 0")
    one_line_error("1/(t-3)", "not finite at frame 3")
    one_line_error("log(t - 5)", "not finite at frame 0")
    one_line_error({0: float("inf")}, "not finite")


def test_reserved_and_misshapen_variables():
    with pytest.raises(ValueError, match="reserved"):
        resolve("t", 3, 24, variables={"t": np.zeros(3)})
    with pytest.raises(ValueError, match="3 values"):
        resolve("beat", 3, 24, variables={"beat": np.zeros(4)})


def test_smoothstep():
    np.testing.assert_array_equal(smoothstep([-1.0, 0.0, 0.5, 1.0, 2.0]), [0.0, 0.0, 0.5, 1.0, 1.0])
