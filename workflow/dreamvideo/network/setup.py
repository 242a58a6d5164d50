"""This process's set-up for dreaming, done once before its first operation: TensorFlow's thread
pools at a frame's `threads`, exact kernels on a GPU, and a frame record's dreamer."""

import tensorflow as tf

from . import dream


def for_record(record):
    """The one set-up of this process for a frame record's dream, and its dreamer: TensorFlow's
    thread pools at the record's `threads`, exact kernels on a GPU, the model and objective of
    the record (loaded and compiled once per process; later records reuse them)."""
    use_threads(record["threads"])
    if tf.config.list_physical_devices("GPU"):  # cuDNN picks kernels by speed unless told to be exact
        tf.config.experimental.enable_op_determinism()
    return dream.dreamer(record["model"], record["objective"], record["precision"])


def use_threads(count):
    """TensorFlow's CPU thread pools at `count` threads, for this whole process. Eigen splits a
    convolution's sums by the pool's size, so the size changes a dream's bytes (the same dream
    with 1, 2, 4 and 8 threads gave four different images): it comes from the frame's record,
    and is set before the first operation runs. Asking for another size after that is an error."""
    threading = tf.config.threading
    try:
        threading.set_intra_op_parallelism_threads(count)  # a no-op when it is already `count`
        threading.set_inter_op_parallelism_threads(count)
    except RuntimeError:
        running = threading.get_intra_op_parallelism_threads() or "its default number of"
        raise RuntimeError(
            f"TensorFlow already runs {running} threads in this process, and a frame asks for "
            f"{count}: render frames of another `threads` in another process"
        ) from None


def use_threads_if_unset(count):
    """TensorFlow's pools at `count` threads (the frames' `threads`) where this process has not
    set them yet; as they are otherwise. For measuring, not dreaming (the look's dream strength:
    another pool size changes a sum's rounding, not what the strength says; it need not be
    byte-exact, the frames must)."""
    try:
        use_threads(count)
    except RuntimeError:
        pass
