# @title Setup
# The same in every chapter: quiet logs, fixed seeds, repeatable results.
import importlib.util
import os
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install what it lacks
    _wanted = ["tensorflow", "keras", "tensorboard", "ipywidgets", "matplotlib",
               "pydot"]
    _missing = [name for name in _wanted
                if importlib.util.find_spec(name) is None]
    if _missing:
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "-q", *_missing],
            check=True,
        )

os.environ.setdefault("KERAS_BACKEND", "tensorflow")  # Keras 3 on TensorFlow
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"  # hide TensorFlow's C++ logs
# On a GPU, TensorFlow and JAX (here and in worker processes) take memory as
# they need it, not all of it at the start.
os.environ.setdefault("TF_FORCE_GPU_ALLOW_GROWTH", "true")
os.environ.setdefault("XLA_PYTHON_CLIENT_PREALLOCATE", "false")


def _import_tensorflow_quietly():
    """Some start-up lines ignore TF_CPP_MIN_LOG_LEVEL: mute C-level stderr."""
    saved_stderr = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)


_import_tensorflow_quietly()
import keras  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.get_logger().setLevel("ERROR")  # ... and its Python-side INFO messages
keras.utils.set_random_seed(42)  # seeds Python, NumPy and TensorFlow
tf.config.experimental.enable_op_determinism()  # same seed, same results
_gpus = tf.config.list_physical_devices("GPU")  # e.g. a Colab GPU runtime
if _gpus:  # TensorFlow's matmuls in full float32 (no TF32), as on a CPU
    tf.config.experimental.enable_tensor_float_32_execution(False)
np.set_printoptions(precision=4, suppress=True)  # past 4 digits: round-off
plt.rcParams.update(
    {"figure.figsize": (6.4, 3.6), "figure.dpi": 80, "axes.grid": True}
)
print(
    f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
    f"backend: {keras.backend.backend()}"
)
if _gpus:  # determinism holds where the GPU has deterministic kernels
    print("GPU: deterministic ops, TensorFlow's TF32 off (full float32 "
          "matmuls); an op with no deterministic GPU kernel raises "
          "UnimplementedError: run that cell on a CPU runtime.")
