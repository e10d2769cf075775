"""Chapter 10's performance study: input pipelines and time to accuracy on Fashion-MNIST.

    python benchmarks/fashion_mnist_speed.py            # measure, print the table, write JSON
    python benchmarks/fashion_mnist_speed.py --record   # ... and stamp the numbers into chapter 10
    python benchmarks/fashion_mnist_speed.py --record-only  # stamp the last JSON into chapter 10
    python benchmarks/fashion_mnist_speed.py --quick    # a small, fast run that checks the code

It measures the chapter's own code: the cells of chapters/10_fashion_mnist_project.ipynb whose
metadata says {"benchmark": "recipe"} (the two pipelines, the two models, the table) are run
here, so the numbers in the book always belong to the code the book shows.

1. Input pipeline: images per second delivered by the per-image pipeline (TF 2.0 style) and by
   the book's batched one, over whole epochs of the 60,000 training images, alternating the
   two so that both see the same machine load; the best of --repeats passes each.
   Each pass runs inside TensorFlow as one `Dataset.reduce`, without the per-step Python
   loop of `fit`: a ceiling on what training can get from the input.
2. Time to accuracy: wall-clock seconds of training (test evaluation after each epoch is not
   counted) for TensorFlow's tutorial MLP (fit on the arrays, batch 32, 10 epochs, the
   tutorial's settings; with the fixed seed, fit repeats one order every epoch) and for
   the book's recommended CNN and settings, which stop as soon as the target is reached.
   The two train in turn, one epoch each, so that both meet the same machine load.

Data come from keras.datasets.fashion_mnist.load_data() (Keras's cache, $KERAS_HOME, or a
download). Timings vary from run to run and machine to machine; nothing in the tests depends on them.
"""
import argparse
import atexit
import datetime
import importlib.util
import json
import os
import platform
import pprint
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CHAPTER = REPO / "chapters" / "10_fashion_mnist_project.ipynb"
RESULTS = REPO / "benchmarks" / "results" / "fashion_mnist_speed.json"
TARGET_ACCURACY = 0.92
RECOMMENDED = {"batch_size": 128, "max_epochs": 6, "learning_rate": 3e-3}


def notebook_cells(kind, path=CHAPTER, key="benchmark"):
    """Sources of the chapter's code cells whose metadata has {key: kind}."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    return [
        "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for cell in notebook["cells"]
        if cell["cell_type"] == "code" and cell["metadata"].get(key) == kind
    ]


def load_recipes(path=CHAPTER):
    """The chapter's data loader and recipe cells, imported as one module.

    They are written to a temporary file and imported from it (rather than exec'd from
    strings) so that AutoGraph can read their source, as it does in the notebook.
    """
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    header = ("import os\nimport keras\nimport numpy as np\nimport tensorflow as tf\n"
              "from keras import layers\n")
    sources = notebook_cells("load-fashion-mnist", path, key="shared_cell")
    sources += notebook_cells("recipe", path)
    folder = Path(tempfile.mkdtemp(prefix="chapter10-recipes-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    module_path = folder / "chapter10_recipes.py"
    module_path.write_text(header + "\n\n".join(sources) + "\n", encoding="utf-8")
    spec = importlib.util.spec_from_file_location("chapter10_recipes", module_path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # AutoGraph looks functions' modules up here
    spec.loader.exec_module(module)
    return vars(module)


def results_cell_source(results):
    """The chapter's results cell: the measured numbers as a Python literal."""
    return (
        "# Written by `python benchmarks/fashion_mnist_speed.py --record`; the tests check that it\n"
        "# matches benchmarks/results/fashion_mnist_speed.json. Do not edit by hand.\n"
        "MEASURED = " + pprint.pformat(results, width=88, sort_dicts=False)
    )


def machine_description():
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, {platform.system()} {platform.machine()}"


def measure_pipelines(recipes, images, labels, repeats):
    """Best of `repeats` passes for each pipeline, the two alternating so that both meet the
    same machine load; the best pass is the one least disturbed by other work."""
    pipelines = {
        "per_image": recipes["per_image_dataset"](images, labels, batch_size=128),
        "fast": recipes["make_dataset"](images, labels, batch_size=128, shuffle=True),
    }
    images_per_second = recipes["images_per_second"]  # the chapter's own measurement
    for dataset in pipelines.values():  # warm-up: tracing of the mapped functions
        images_per_second(dataset)
    rates = {name: [] for name in pipelines}
    for _ in range(repeats):
        for name, dataset in pipelines.items():
            rates[name].append(images_per_second(dataset))
    result = {name: round(max(values)) for name, values in rates.items()}
    result["speedup"] = round(result["fast"] / result["per_image"], 1)
    return result


def training_clock(keras, x_test, y_test, stop_at=None):
    """A callback timing each epoch's training; test accuracy measured outside the clock."""

    class TrainingClock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds, self.accuracy, self.elapsed = [], [], 0.0
            self.reached = False

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.elapsed += time.perf_counter() - self.started
            accuracy = self.model.evaluate(x_test, y_test, batch_size=1000, verbose=0)[1]
            self.seconds.append(round(self.elapsed, 1))
            self.accuracy.append(round(float(accuracy), 4))
            print(f"    {self.model.name} epoch {epoch + 1}: {self.elapsed:6.1f} s, "
                  f"test accuracy {accuracy:.4f}")
            self.reached = stop_at is not None and accuracy >= stop_at

    return TrainingClock()


def time_to_accuracy(recipes, data, tutorial_epochs, max_epochs):
    """Train both models, alternating one epoch of each, and time every epoch.

    Alternating matters on a shared machine: its speed drifts by up to 1.6x within minutes,
    and two runs one after the other would compare the machine's moods, not the models.
    Each `fit` call trains one epoch and continues where the last one stopped (the
    optimizer's step count, and with it the CNN's learning-rate schedule, carries on).
    """
    import keras

    (train_images, train_labels), (test_images, test_labels) = data
    to_float = recipes["to_float"]  # the chapter's scaling: uint8 -> float32 in [0, 1]
    x_test = to_float(test_images, test_labels)[0].numpy()
    x_train = to_float(train_images, train_labels)[0].numpy()
    batch_size = RECOMMENDED["batch_size"]
    print(f"  tutorial MLP: model.fit(x, y) with the default batch of 32, {tutorial_epochs} "
          f"epochs; recommended CNN: batch {batch_size}, up to {max_epochs} epochs, stops at "
          f"test accuracy {TARGET_ACCURACY}; one epoch of each in turn")

    keras.utils.set_random_seed(42)
    tutorial = recipes["build_tutorial_mlp"]()
    tutorial_clock = training_clock(keras, x_test, test_labels)
    keras.utils.set_random_seed(42)
    steps = max_epochs * -(-len(train_images) // batch_size)
    recommended = recipes["build_fast_cnn"](
        learning_rate=RECOMMENDED["learning_rate"], decay_steps=steps
    )
    cnn_clock = training_clock(keras, x_test, test_labels, stop_at=TARGET_ACCURACY)
    dataset = recipes["make_dataset"](
        train_images, train_labels, batch_size=batch_size, shuffle=True, seed=0
    )
    for epoch in range(max(tutorial_epochs, max_epochs)):
        if epoch < tutorial_epochs:
            tutorial.fit(x_train, train_labels, initial_epoch=epoch, epochs=epoch + 1,
                         verbose=0, callbacks=[tutorial_clock])
        if epoch < max_epochs and not cnn_clock.reached:
            recommended.fit(dataset, initial_epoch=epoch, epochs=epoch + 1, shuffle=False,
                            verbose=0, callbacks=[cnn_clock])
    return {
        "tutorial_mlp": {"seconds": tutorial_clock.seconds,
                         "test_accuracy": tutorial_clock.accuracy},
        "fast_cnn": {"seconds": cnn_clock.seconds, "test_accuracy": cnn_clock.accuracy},
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="2,000 images and 1 epoch: checks the code, measures nothing useful")
    parser.add_argument("--repeats", type=int, default=5, help="passes per pipeline")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    parser.add_argument("--record", action="store_true",
                        help="also write the numbers into chapter 10's results cell")
    parser.add_argument("--record-only", action="store_true",
                        help="measure nothing: copy the JSON of --output into chapter 10")
    args = parser.parse_args(argv)
    if args.quick and args.record:
        parser.error("--quick numbers are not worth recording")
    if args.record_only:
        record_in_chapter(json.loads(args.output.read_text(encoding="utf-8")))
        print(f"recorded {args.output} in {CHAPTER.relative_to(REPO)}")
        return None

    recipes = load_recipes()
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(42)
    data = recipes["load_fashion_mnist"]()
    (train_images, train_labels), (test_images, test_labels) = data
    if args.quick:
        data = ((train_images[:2000], train_labels[:2000]), (test_images[:500], test_labels[:500]))
        args.repeats = 1

    print(f"Machine: {machine_description()}")
    print("1. Input pipelines (one pass over the training images, no model)")
    pipelines = measure_pipelines(recipes, *data[0], repeats=args.repeats)
    print("2. Time to accuracy")
    runs = time_to_accuracy(
        recipes, data,
        tutorial_epochs=1 if args.quick else 10,
        max_epochs=1 if args.quick else RECOMMENDED["max_epochs"],
    )
    results = {
        "machine": machine_description(),
        "software": f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
                    f"Python {platform.python_version()}",
        "date": datetime.date.today().isoformat(),
        "target_accuracy": TARGET_ACCURACY,
        "recommended_settings": RECOMMENDED,
        "pipeline_images_per_second": pipelines,
        "time_to_accuracy": runs,
    }
    print()
    print(recipes["speed_table"](results))
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"\nwrote {args.output}")
    if args.record:
        record_in_chapter(results)
        print(f"recorded in {CHAPTER.relative_to(REPO)}; re-execute it: "
              f"make execute NOTEBOOKS={CHAPTER.relative_to(REPO)}")
    return results


def record_in_chapter(results, path=CHAPTER):
    import nbformat

    notebook = nbformat.read(path, as_version=4)
    cells = [cell for cell in notebook.cells
             if cell.cell_type == "code" and cell.metadata.get("benchmark") == "results"]
    if len(cells) != 1:
        raise SystemExit(f"expected one results cell in {path}, found {len(cells)}")
    cells[0].source = results_cell_source(results)
    nbformat.write(notebook, path)


if __name__ == "__main__":
    main()
