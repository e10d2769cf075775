# @title Loader for pretrained weights
import os


def load_pretrained(builder, **kwargs):
    """builder(weights="imagenet", ...) from keras.applications; plain words
    if it fails."""
    try:
        return builder(weights="imagenet", **kwargs)
    except Exception as error:  # no network, a proxy, a damaged download
        home = os.environ.get("KERAS_HOME") or os.path.expanduser("~/.keras")
        raise RuntimeError(
            f"Could not get the ImageNet weights of {builder.__name__}.\n"
            f"Keras looked in {os.path.join(home, 'models')} "
            "and then tried to download them.\n"
            f"What went wrong: {type(error).__name__}: {error}\n"
            "What to do: connect to the internet and run this cell again. "
            "If a download was\n"
            "interrupted, delete the half-written file in that folder first.\n"
            "No access to Google's storage? See 'Getting the files by other "
            "means'\n(通过其他途径获取文件) in How to use this book "
            "(how_to_use.md; 如何使用本书)."
        ) from None
