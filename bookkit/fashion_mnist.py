# @title Data: the Fashion-MNIST loader
import os

import keras


def load_fashion_mnist():
    """Fashion-MNIST via the real Keras loader; plain words if it fails."""
    try:
        return keras.datasets.fashion_mnist.load_data()
    except Exception as error:  # no network, a proxy, a damaged download
        home = os.environ.get("KERAS_HOME") or os.path.expanduser("~/.keras")
        folder = os.path.join(home, "datasets", "fashion-mnist")
        raise RuntimeError(
            "Could not load Fashion-MNIST.\n"
            f"Keras looked for its four .gz files in {folder}\n"
            "and then tried to download them (about 30 MB).\n"
            f"What went wrong: {type(error).__name__}: {error}\n"
            "What to do: connect to the internet and run this cell again. "
            "If the download\n"
            "was interrupted or a file is damaged, delete that folder first. "
            "Offline, copy\n"
            "the four Fashion-MNIST .gz files there.\n"
            "No access to Google's storage? See 'Getting the files by other "
            "means'\n(通过其他途径获取文件) in How to use this book "
            "(how_to_use.md; 如何使用本书)."
        ) from None
