"""The code cells that several chapters share, kept in one place.

Every notebook must run alone (on Colab, say), so it cannot import helpers from
this repository. Instead, a cell whose metadata says {"shared_cell": NAME} holds
a verbatim copy of SHARED_CELLS[NAME]. `python scripts/execute_notebooks.py`
writes the copies before executing, and tests/test_notebook_hygiene.py fails if
any copy drifts from the text here.
"""

SETUP = '''\
# Setup, the same in every chapter: quiet logs, fixed seeds, repeatable results.
import importlib.util
import os
import subprocess
import sys

if "google.colab" in sys.modules:  # Colab: install whatever this book uses that it lacks
    _wanted = ["tensorflow", "keras", "tensorboard", "ipywidgets", "matplotlib", "pydot"]
    _missing = [name for name in _wanted if importlib.util.find_spec(name) is None]
    if _missing:
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", *_missing], check=True)

os.environ.setdefault("KERAS_BACKEND", "tensorflow")  # this book: Keras 3 on TensorFlow
os.environ["TF_CPP_MIN_LOG_LEVEL"] = "3"              # hide TensorFlow's C++ logs


def _import_tensorflow_quietly():
    """Some start-up lines ignore TF_CPP_MIN_LOG_LEVEL: mute C-level stderr meanwhile."""
    saved_stderr = os.dup(2)
    with open(os.devnull, "w") as devnull:
        os.dup2(devnull.fileno(), 2)
        try:
            import tensorflow  # noqa: F401
        finally:
            os.dup2(saved_stderr, 2)
            os.close(saved_stderr)


_import_tensorflow_quietly()
import keras
import matplotlib.pyplot as plt
import numpy as np
import tensorflow as tf

tf.get_logger().setLevel("ERROR")                # ... and its Python-side INFO messages
keras.utils.set_random_seed(42)                  # seeds Python, NumPy and TensorFlow
tf.config.experimental.enable_op_determinism()   # same seed and inputs, same results
np.set_printoptions(precision=4, suppress=True)  # digits past the 4th are round-off noise
plt.rcParams.update({"figure.figsize": (6.4, 3.6), "figure.dpi": 80, "axes.grid": True})
print(
    f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
    f"backend: {keras.backend.backend()}"
)'''

LOAD_FASHION_MNIST = '''\
def load_fashion_mnist():
    """Fashion-MNIST via the real Keras loader; a plain-words message if it fails."""
    try:
        return keras.datasets.fashion_mnist.load_data()
    except Exception as error:  # no network, a proxy, a damaged or half-finished download
        home = os.environ.get("KERAS_HOME") or os.path.expanduser("~/.keras")
        folder = os.path.join(home, "datasets", "fashion-mnist")
        raise RuntimeError(
            "Could not load Fashion-MNIST.\\n"
            f"Keras looked for its four .gz files in {folder}\\n"
            "and then tried to download them (about 30 MB).\\n"
            f"What went wrong: {type(error).__name__}: {error}\\n"
            "What to do: connect to the internet and run this cell again. If the download\\n"
            "was interrupted or a file is damaged, delete that folder first. Offline, copy\\n"
            "the four Fashion-MNIST .gz files there."
        ) from None'''

FASHION_MNIST_ARRAYS = '''\
# Fashion-MNIST prepared as in chapter 3: flat, scaled to [0, 1], 10,000 held out.
(train_images, train_labels), (test_images, test_labels) = load_fashion_mnist()
class_names = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
               "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]


def prepare(images):
    """28x28 uint8 images -> float32 vectors of 784 values in [0, 1]."""
    return (images.reshape(len(images), 28 * 28) / 255.0).astype("float32")


x_train, y_train = prepare(train_images[:50_000]), train_labels[:50_000]
x_val, y_val = prepare(train_images[50_000:]), train_labels[50_000:]
x_test, y_test = prepare(test_images), test_labels
print(f"train {x_train.shape}, validation {x_val.shape}, test {x_test.shape}")'''

LOAD_PRETRAINED = '''\
def load_pretrained(builder, **kwargs):
    """builder(weights="imagenet", ...) from keras.applications; plain words if it fails."""
    try:
        return builder(weights="imagenet", **kwargs)
    except Exception as error:  # no network, a proxy, a damaged or half-finished download
        home = os.environ.get("KERAS_HOME") or os.path.expanduser("~/.keras")
        raise RuntimeError(
            f"Could not get the ImageNet weights of {builder.__name__}.\\n"
            f"Keras looked in {os.path.join(home, 'models')} and then tried to download them.\\n"
            f"What went wrong: {type(error).__name__}: {error}\\n"
            "What to do: connect to the internet and run this cell again. If a download was\\n"
            "interrupted, delete the half-written file in that folder first."
        ) from None'''

SHARED_CELLS = {
    "setup": SETUP,
    "load-fashion-mnist": LOAD_FASHION_MNIST,
    "fashion-mnist-arrays": FASHION_MNIST_ARRAYS,
    "load-pretrained": LOAD_PRETRAINED,
}

# Tags every shared cell carries: the book shows their output and folds their code behind
# a toggle, since readers meet the same code on every page.
SHARED_CELL_TAGS = ["hide-input"]
