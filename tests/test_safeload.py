"""The weight readers run no pickled code: anything but tensor/array records is refused."""

import io
import os
import pickle
import zipfile

import numpy as np
import pytest

from dreamvideo.network import safeload


class Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_numpy_pickle_refuses_a_call(tmp_path):
    marker = tmp_path / "pwned"
    data = pickle.dumps({"layer": {"kernel": Exploit(marker)}})
    with pytest.raises(pickle.UnpicklingError, match="refused to load posix.system"):
        safeload.load_numpy_pickle(data)
    assert not marker.exists()


def test_numpy_pickle_loads_arrays():
    tree = {"VGG16_0": {"Conv_0": {"kernel": np.arange(6, dtype=np.float32).reshape(2, 3)}}}
    loaded = safeload.load_numpy_pickle(pickle.dumps(tree))
    np.testing.assert_array_equal(loaded["VGG16_0"]["Conv_0"]["kernel"], tree["VGG16_0"]["Conv_0"]["kernel"])


def test_torchscript_refuses_a_call(tmp_path):
    marker = tmp_path / "pwned"
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("m/data.pkl", pickle.dumps({"weight": Exploit(marker)}))
    with pytest.raises(pickle.UnpicklingError, match="refused"):
        safeload.load_torchscript(archive.getvalue())
    assert not marker.exists()


def test_torchscript_rebuilds_strided_tensors():
    """A hand-made TorchScript-style pickle: a module holding a transposed 2x3 view of storage 0."""
    storage = np.arange(6, dtype=np.float32)
    p = pickle.PROTO + bytes([2])
    p += pickle.GLOBAL + b"__torch__.demo\nConv\n" + pickle.EMPTY_TUPLE + pickle.NEWOBJ
    p += pickle.EMPTY_DICT + pickle.SHORT_BINUNICODE + bytes([6]) + b"weight"
    p += pickle.GLOBAL + b"torch._utils\n_rebuild_tensor_v2\n"
    p += pickle.MARK
    p += pickle.MARK + pickle.SHORT_BINUNICODE + bytes([7]) + b"storage"
    p += pickle.GLOBAL + b"torch\nFloatStorage\n"
    p += pickle.SHORT_BINUNICODE + bytes([1]) + b"0" + pickle.SHORT_BINUNICODE + bytes([3]) + b"cpu"
    p += pickle.BININT1 + bytes([6]) + pickle.TUPLE + pickle.BINPERSID
    p += pickle.BININT1 + bytes([0])
    p += pickle.BININT1 + bytes([3]) + pickle.BININT1 + bytes([2]) + pickle.TUPLE2  # size (3, 2)
    p += pickle.BININT1 + bytes([1]) + pickle.BININT1 + bytes([3]) + pickle.TUPLE2  # stride (1, 3)
    p += pickle.NEWFALSE + pickle.EMPTY_DICT + pickle.TUPLE + pickle.REDUCE
    p += pickle.SETITEM + pickle.BUILD + pickle.STOP
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("m/data.pkl", p)
        z.writestr("m/data/0", storage.tobytes())
    root = safeload.load_torchscript(archive.getvalue())
    assert root.qualname == "__torch__.demo.Conv"
    np.testing.assert_array_equal(root.state["weight"], storage.reshape(2, 3).T)
