"""The camera's Lanczos-4 warp at exact source positions (camera.py says why), compiled with numba.
Compiled code is cached beside this file; `warm_up()` compiles it once in one process, so that
processes started after it (parallel jobs, test workers) read the cache instead of all compiling
into it at once."""

import concurrent.futures
import math
import threading

import numba
import numpy as np


@numba.njit(cache=True)
def source_index(i, n, border):
    """Pixel index i (maybe outside 0..n-1) -> the pixel the border reads there."""
    if border == 0:  # reflect
        if n == 1:
            return 0
        period = 2 * n - 2
        i = i % period  # Python's modulo: never negative
        return i if i < n else period - i
    if border == 1:  # wrap
        return i % n
    return min(max(i, 0), n - 1)  # replicate


@numba.njit(cache=True)
def weights(f, w):
    """The 8 weights of taps floor(s) - 3 .. floor(s) + 4 for a source position s with fraction
    f = s - floor(s): sinc(t) sinc(t / 4) at each tap's distance t, normalised to sum 1 (OpenCV's
    INTER_LANCZOS4 kernel, at the exact f rather than the nearest 1/32)."""
    if f == 0.0:
        for k in range(8):
            w[k] = 0.0
        w[3] = 1.0
        return
    # sin(pi t) = sin(pi f) (-1)^(3 - k) and sin(pi t / 4) = sin(pi f / 4 + pi (3 - k) / 4), t = f + 3 - k:
    # three sines per position instead of sixteen; the constant factors cancel in the normalisation.
    sin_f = math.sin(math.pi * f)
    sin_q, cos_q = math.sin(math.pi * f / 4.0), math.cos(math.pi * f / 4.0)
    total = 0.0
    for k in range(8):
        t = f + 3 - k
        b = math.pi * (3 - k) / 4.0
        sign = 1.0 if (3 - k) % 2 == 0 else -1.0
        w[k] = sign * sin_f * (sin_q * math.cos(b) + cos_q * math.sin(b)) / (t * t)
        total += w[k]
    for k in range(8):
        w[k] /= total


def warp(image, inverse, border, threads=1):
    """out[y, x] = the Lanczos interpolation of image at inverse @ (x, y, 1), in float64, per
    channel; rows in `threads` bands at once (each pixel's sum is its own: the same bytes)."""
    out = np.empty(image.shape, np.float32)
    _in_bands(image.shape[0], threads, lambda y0, y1: _warp_rows(image, inverse, border, out, y0, y1))
    return out


@numba.njit(cache=True, nogil=True)
def _warp_rows(image, inverse, border, out, y0, y1):
    height, width, channels = image.shape
    wx, wy = np.empty(8), np.empty(8)
    cols, rows = np.empty(8, np.int64), np.empty(8, np.int64)
    acc = np.empty(channels)
    for y in range(y0, y1):
        for x in range(width):
            sx = inverse[0, 0] * x + inverse[0, 1] * y + inverse[0, 2]
            sy = inverse[1, 0] * x + inverse[1, 1] * y + inverse[1, 2]
            ix, iy = math.floor(sx), math.floor(sy)
            weights(sx - ix, wx)
            weights(sy - iy, wy)
            inside_x, inside_y = 3 <= ix and ix + 4 < width, 3 <= iy and iy + 4 < height
            for k in range(8):
                cols[k] = ix - 3 + k if inside_x else source_index(ix - 3 + k, width, border)
                rows[k] = iy - 3 + k if inside_y else source_index(iy - 3 + k, height, border)
            for c in range(channels):
                acc[c] = 0.0
            for j in range(8):
                r, wj = rows[j], wy[j]
                for c in range(channels):
                    line = 0.0
                    for i in range(8):
                        line += wx[i] * image[r, cols[i], c]
                    acc[c] += wj * line
            for c in range(channels):
                out[y, x, c] = acc[c]


def warp_separable(image, inverse, border, threads=1):
    """`warp` for an inverse without shear or rotation (inverse[0, 1] == inverse[1, 0] == 0), the
    camera's usual zoom and pan: the same bytes, ~8x less work. A source column's position then
    depends on x alone and a row's on y alone, so each column's and row's taps and weights are
    computed once (by the same expressions as `warp`: inverse[0, 1] * y and inverse[1, 0] * x are
    zeros of the same sign for every y and x), and the 8 x 8 sum runs as two passes: every
    source row's horizontal sums `line` (the same float64 sums, in the same order, as `warp`'s),
    then per output pixel acc = sum over j of wy[j] * line, in `warp`'s order. Each pass runs in
    `threads` bands of rows at once."""
    height, width, channels = image.shape
    wxs, wys, cols, rows = _separable_taps(inverse, height, width, border)
    lines = np.empty((height, width, channels))
    out = np.empty((height, width, channels), np.float32)
    _in_bands(height, threads, lambda r0, r1: _lines(image, wxs, cols, lines, r0, r1))
    _in_bands(height, threads, lambda y0, y1: _columns(lines, wys, rows, out, y0, y1))
    return out


@numba.njit(cache=True, nogil=True)
def _separable_taps(inverse, height, width, border):
    wxs, wys = np.empty((width, 8)), np.empty((height, 8))
    cols, rows = np.empty((width, 8), np.int64), np.empty((height, 8), np.int64)
    for x in range(width):
        sx = inverse[0, 0] * x + inverse[0, 1] * 0 + inverse[0, 2]
        ix = math.floor(sx)
        weights(sx - ix, wxs[x])
        inside_x = 3 <= ix and ix + 4 < width
        for k in range(8):
            cols[x, k] = ix - 3 + k if inside_x else source_index(ix - 3 + k, width, border)
    for y in range(height):
        sy = inverse[1, 0] * 0 + inverse[1, 1] * y + inverse[1, 2]
        iy = math.floor(sy)
        weights(sy - iy, wys[y])
        inside_y = 3 <= iy and iy + 4 < height
        for k in range(8):
            rows[y, k] = iy - 3 + k if inside_y else source_index(iy - 3 + k, height, border)
    return wxs, wys, cols, rows


@numba.njit(cache=True, nogil=True)
def _lines(image, wxs, cols, lines, r0, r1):
    """Source rows r0..r1's horizontal sums."""
    width, channels = image.shape[1], image.shape[2]
    for r in range(r0, r1):
        for x in range(width):
            for c in range(channels):
                line = 0.0
                for i in range(8):
                    line += wxs[x, i] * image[r, cols[x, i], c]
                lines[r, x, c] = line


@numba.njit(cache=True, nogil=True)
def _columns(lines, wys, rows, out, y0, y1):
    """Output rows y0..y1: each pixel's sum in `warp`'s order (j = 0..7), a row at a time."""
    width, channels = lines.shape[1], lines.shape[2]
    acc = np.empty((width, channels))
    for y in range(y0, y1):
        acc[:] = 0.0
        for j in range(8):
            r, wj = rows[y, j], wys[y, j]
            for x in range(width):
                for c in range(channels):
                    acc[x, c] += wj * lines[r, x, c]
        for x in range(width):
            for c in range(channels):
                out[y, x, c] = acc[x, c]


_pools, _pools_lock = {}, threading.Lock()  # one pool per thread count, shared by a process's jobs


def _in_bands(height, threads, run):
    """run(first, end) over `threads` bands of rows 0..height at once (the kernels release the GIL)."""
    if threads <= 1 or height < 2 * threads:
        return run(0, height)
    with _pools_lock:
        if threads not in _pools:
            _pools[threads] = concurrent.futures.ThreadPoolExecutor(threads, thread_name_prefix="lanczos")
        pool = _pools[threads]
    bounds = np.linspace(0, height, threads + 1).astype(int).tolist()
    for done in [pool.submit(run, a, b) for a, b in zip(bounds[:-1], bounds[1:])]:
        done.result()


def warm_up():
    """Compile (or load from the cache) the warps for the frames' type: float32 H x W x 3."""
    warp(np.zeros((9, 9, 3), np.float32), np.array([[1.0, 0.5, 0.5], [0.0, 1.0, 0.5]]), 0)
    warp_separable(np.zeros((9, 9, 3), np.float32), np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5]]), 0)
