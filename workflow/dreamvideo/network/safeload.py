"""Read pretrained weights out of PyTorch and pickle files without torch and without running
pickled code: the unpicklers below resolve only the few records that weights need and refuse
every other global, so a crafted file cannot call anything."""

import io
import pickle
import zipfile

import numpy as np

_STORAGE_DTYPES = {
    "FloatStorage": np.float32,
    "DoubleStorage": np.float64,
    "HalfStorage": np.float16,
    "LongStorage": np.int64,
    "IntStorage": np.int32,
}


class TorchObject:
    """Stand-in for a `__torch__.*` module: keeps the state dict that TorchScript pickled."""

    qualname = "__torch__"
    state = {}

    def __setstate__(self, state):
        self.state = state


def _rebuild_tensor(storage, offset, size, stride, *_ignored):
    itemsize = storage.dtype.itemsize
    view = np.lib.stride_tricks.as_strided(
        storage[offset:], shape=tuple(size), strides=tuple(s * itemsize for s in stride)
    )
    return np.array(view)  # a copy: the storage buffer is shared between tensors


class _TorchScriptUnpickler(pickle.Unpickler):
    def __init__(self, data, read_storage):
        super().__init__(io.BytesIO(data))
        self._read_storage = read_storage

    def find_class(self, module, name):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor
        if module == "torch.jit._pickle" and name in ("build_intlist", "build_doublelist", "build_boollist"):
            return list
        if module == "torch" and name in _STORAGE_DTYPES:
            return name
        if module == "collections" and name == "OrderedDict":
            return dict
        if module.startswith("__torch__"):
            # A fresh subclass per name, so NEWOBJ gets a type and the object knows its name.
            return type(name, (TorchObject,), {"qualname": f"{module}.{name}"})
        raise pickle.UnpicklingError(f"refused to load {module}.{name}: not a tensor record")

    def persistent_load(self, pid):
        kind, storage_type, key, _location, numel = pid
        if kind != "storage" or storage_type not in _STORAGE_DTYPES:
            raise pickle.UnpicklingError(f"refused persistent record {pid!r}")
        return self._read_storage(key, _STORAGE_DTYPES[storage_type], numel)


def load_torchscript(data):
    """The root `TorchObject` of a TorchScript archive (bytes), tensors as numpy arrays."""
    archive = zipfile.ZipFile(io.BytesIO(data))
    prefix = next(n for n in archive.namelist() if n.endswith("/data.pkl"))[: -len("data.pkl")]

    def read_storage(key, dtype, numel):
        return np.frombuffer(archive.read(f"{prefix}data/{key}"), dtype=dtype, count=numel)

    return _TorchScriptUnpickler(archive.read(prefix + "data.pkl"), read_storage).load()


class _NumpyUnpickler(pickle.Unpickler):
    """Accepts dicts, lists and numpy arrays; nothing else."""

    _ALLOWED = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("collections", "OrderedDict"),
    }

    def find_class(self, module, name):
        if (module, name) in self._ALLOWED:
            return super().find_class(module, name)
        raise pickle.UnpicklingError(f"refused to load {module}.{name}: not a numpy array record")


def load_numpy_pickle(data):
    """A pickle of nested dicts of numpy arrays (bytes) → the same, with no code run."""
    return _NumpyUnpickler(io.BytesIO(data)).load()


def walk(obj):
    """Every TorchObject under `obj`, depth first, in the order the module declared them."""
    if isinstance(obj, TorchObject):
        yield obj
        obj = obj.state
    if isinstance(obj, dict):
        for value in obj.values():
            yield from walk(value)
