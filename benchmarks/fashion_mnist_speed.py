"""Chapter 10's performance study (part 2): input pipelines, speed-ups, time to accuracy.

    python benchmarks/fashion_mnist_speed.py            # measure, print the tables, write JSON
    python benchmarks/fashion_mnist_speed.py --record   # ... and stamp the numbers into the study
    python benchmarks/fashion_mnist_speed.py --record-only  # stamp the last JSON into the study
    python benchmarks/fashion_mnist_speed.py --quick    # a small, fast run that checks the code

It measures the book's own code: the cells of chapters/10b_performance_study.ipynb whose
metadata says {"benchmark": "recipe"} (the pipelines, the two models, the tables) are run
here, so the numbers in the book always belong to the code the book shows. Part 1
(chapters/10_fashion_mnist_project.ipynb) teaches the same pipeline and models; its recipe
cells must define them exactly as the study does, and part 3's copies
(chapters/10c_hyperparameter_explorer.ipynb) must too (tests/test_benchmark.py compares them).

1. Input pipelines, seven of them, measured two ways, each alternating with the others so
   that all meet the same machine load:
   - alone: images per second over whole passes of the 60,000 training images, each pass
     one `Dataset.reduce` (no model, no per-step Python loop of `fit`): a ceiling; the best
     of --repeats passes;
   - training: seconds per epoch of the chapter's recommended CNN (float32, as the chapter
     trains it) fed by the pipeline, in --rounds rounds, each round one epoch of every
     pipeline, each epoch on a new model whose train function was traced on a few steps
     first (fresh_model says why), so the clock holds no tracing. Every round is kept in
     the JSON ("all_rounds"); the chapter's table (its recipe cells) reads them.
   Some epochs stall: the process waits for seconds, its CPU time that of a normal epoch
   while its wall time grows, and the epoch ends late (on the study's machine usually at
   10.2 s, whatever was measured; benchmarks/stalled_epochs.py found stalls with tf.data's
   autotuning on and off alike). Each round records its idle seconds (wall time minus the
   process's CPU time divided by the cores: time per core the process left unused); a
   round at least STALLED seconds above its variant's least idle round stalled. A stalled
   round, or one that took at least SLOW times the variant's best, counts as slowed. The
   table reports each variant's best round (a slowed round can only add time, so it
   cannot move the best) and compares variants on their normal rounds, every one against
   every one: a difference counts as measured only when every normal round of one variant
   was faster than every normal round of the other. (Rounds run in a fixed order of the
   variants; the recorded run of 2026-12-07 did so too.)
   The per-image pipelines yield flat images and one-hot labels (TF 2.0 style, for an
   MLP); one reshape/argmax per batch adapts them to the CNN, in both measurements. One maps
   image by image, the other maps with num_parallel_calls=AUTOTUNE, as TensorFlow's data
   performance guide recommends for per-element work. "fit on NumPy arrays" is what
   `fit(x, y, batch_size=128, shuffle=True)` builds: Keras's ArrayDataAdapter (a private
   class, used here only to measure it alone).
2. The recommended CNN's speed-ups: seconds per epoch with float32 or mixed_bfloat16, and
   steps_per_execution 1 or 16, fed by the book's pipeline, alternating, --rounds rounds.
   The mixed_bfloat16 rows run only where a bfloat16 convolution runs (the chapter's
   bfloat16_runs); elsewhere they are recorded as not run.
3. Time to accuracy: TensorFlow's tutorial MLP (fit on the arrays, batch 32, 10 epochs, the
   tutorial's settings) sets the budget, its training time (the first epoch's tracing
   included, for both sides); the recipe (RECIPE below) trains
   with three seeds (SEEDS, not used while the recipe was chosen). All of them train in turn,
   one epoch each, test accuracy measured after each epoch outside the clock. The target
   counts as met only if the median over the seeds of the best test accuracy reached within
   the budget is at least 0.92. The recipe trains in mixed_bfloat16 only where part 2
   measured it faster than float32 (faster_precision): having the instructions is not
   enough (on an Intel Xeon with AVX512-BF16 and no AMX, mixed_bfloat16 was slower);
   elsewhere the recipe is the same in float32. Whether the CPU has native bfloat16
   (cpu_has_bfloat16) is recorded beside it.

The load average of the machine is recorded before and after the run ("load_average"):
record when it is low (`uptime`), as other work on the machine slows every variant.

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
CHAPTER = REPO / "chapters" / "10b_performance_study.ipynb"  # the study, part 2
PART_ONE = REPO / "chapters" / "10_fashion_mnist_project.ipynb"  # teaches the recipes
PART_THREE = REPO / "chapters" / "10c_hyperparameter_explorer.ipynb"  # tunes them
RESULTS = REPO / "benchmarks" / "results" / "fashion_mnist_speed.json"
TARGET_ACCURACY = 0.92
RECIPE = {"width": 40, "head": 512, "dropout": 0.3, "batch_size": 128, "epochs": 6,
          "learning_rate": 3e-3, "steps_per_execution": 16}  # precision: see faster_precision
SEEDS = (10, 11, 12)  # not the seeds used while the recipe was chosen


def notebook_cells(kind, path=CHAPTER, key="benchmark"):
    """Sources of the notebook's code cells whose metadata has {key: kind}."""
    notebook = json.loads(Path(path).read_text(encoding="utf-8"))
    return [
        "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for cell in notebook["cells"]
        if cell["cell_type"] == "code" and cell["metadata"].get(key) == kind
    ]


def load_recipes(path=CHAPTER):
    """The study's data loader and recipe cells, imported as one module.

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


def python_literal(value, indent=0, width=79):
    """value as Python source with no line over `width`: a dict's items one per line."""
    if isinstance(value, dict) and value:
        pad = " " * (indent + 4)
        items = []
        for key, item in value.items():
            start = f"{pad}{key!r}: "
            if isinstance(item, dict):
                text = python_literal(item, indent + 4, width)
            else:
                text = pprint.pformat(item, width=max(width - len(start), 20), compact=True)
                text = text.replace("\n", "\n" + " " * len(start))
            items.append(f"{start}{text},")
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    return pprint.pformat(value, width=max(width - indent, 20), compact=True)


def results_cell_source(results):
    """The study's results cell: the measured numbers as a Python literal."""
    return (
        "# @title The recorded results (written by the benchmark script)\n"
        "# benchmarks/fashion_mnist_speed.py --record writes this cell from\n"
        "# benchmarks/results/fashion_mnist_speed.json: do not edit it by hand.\n"
        "MEASURED = " + python_literal(results)
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


# oneDNN's names (ONEDNN_MAX_CPU_ISA) for the instruction sets that compute bfloat16
# natively; any other limit (AVX2, AVX512_CORE, SSE41, ...) excludes them.
BFLOAT16_ISAS = {"ALL", "DEFAULT", "AVX512_CORE_BF16", "AVX512_CORE_FP16",
                 "AVX512_CORE_AMX", "AVX512_CORE_AMX_FP16", "AVX10_1_512",
                 "AVX10_1_512_AMX", "AVX10_1_512_AMX_FP16", "AVX10_2_512",
                 "AVX10_2_512_AMX_2"}


def cpu_flags():
    try:
        return set(Path("/proc/cpuinfo").read_text().split())
    except OSError:
        return set()


def onednn_may_use_bfloat16(environ=os.environ):
    """False when the environment keeps TensorFlow's oneDNN kernels from native bfloat16:
    oneDNN turned off (TF_ENABLE_ONEDNN_OPTS=0) or limited below AVX512-BF16
    (ONEDNN_MAX_CPU_ISA=AVX2, as on a laptop CPU)."""
    if environ.get("TF_ENABLE_ONEDNN_OPTS", "").strip().lower() in {"0", "false"}:
        return False
    limit = environ.get("ONEDNN_MAX_CPU_ISA", "").strip().upper()
    return not limit or limit in BFLOAT16_ISAS


def cpu_has_bfloat16(recipes=None):
    """True when the CPU computes in bfloat16 natively (Linux: AVX512-BF16 or AMX-BF16)
    and oneDNN may use it; with the chapter's recipes, also when a bfloat16 convolution
    really runs (its bfloat16_runs).

    Elsewhere mixed_bfloat16 either fails (oneDNN limited to AVX2 or SSE4.1: "could not
    create a primitive descriptor for the convolution forward propagation primitive") or
    runs emulated, slower than float32, so the recipe falls back to float32 there.
    """
    native = bool(cpu_flags() & {"avx512_bf16", "amx_bf16"}) and onednn_may_use_bfloat16()
    if native and recipes is not None:
        return recipes["bfloat16_runs"]()
    return native


def pipeline_inputs(recipes, images, labels, batch_size=128, seed=0):
    """For each pipeline: (a dataset to measure alone, the keyword arguments `fit` gets)."""
    import tensorflow as tf
    from keras.src.trainers.data_adapters.array_data_adapter import ArrayDataAdapter

    floats = recipes["to_float"](images, labels)[0].numpy()

    def for_the_cnn(dataset):  # flat images, one-hot labels -> what the CNN takes
        return dataset.map(
            lambda x, y: (tf.reshape(x, (-1, 28, 28, 1)), tf.argmax(y, axis=-1)))

    per_image = recipes["per_image_dataset"]
    datasets = {
        "per_image": for_the_cnn(per_image(images, labels, batch_size=batch_size)),
        "per_image_parallel": for_the_cnn(per_image(
            images, labels, batch_size=batch_size, num_parallel_calls=tf.data.AUTOTUNE)),
        "book": recipes["make_dataset"](images, labels, batch_size, shuffle=True, seed=seed),
        "scale_per_batch": recipes["scale_per_batch"](images, labels, batch_size, seed),
        "no_prefetch": recipes["without_prefetch"](images, labels, batch_size, seed),
        "index_gather": recipes["index_gather"](images, labels, batch_size, seed),
    }
    inputs = {key: (dataset, {"x": dataset, "shuffle": False}) for key, dataset in datasets.items()}
    adapter = ArrayDataAdapter(floats, labels, batch_size=batch_size, shuffle=True)
    inputs["numpy_arrays"] = (
        adapter.get_tf_dataset(),
        {"x": floats, "y": labels, "batch_size": batch_size, "shuffle": True},
    )
    missing = set(recipes["PIPELINE_LABELS"]) ^ set(inputs)
    assert not missing, f"the chapter's table and the benchmark disagree on {missing}"
    return inputs


def fresh_model(recipes, warm_up, **settings):
    """A new recommended CNN from the same seed, its train function traced on a few steps.

    Every round gets a new model: on the AMD EPYC build machine one model instance once
    ran all its epochs at about half speed (5.1 s where others took 3.6 s, in every
    round), so reusing one model per variant could measure that instance, not the variant.
    """
    import keras

    keras.utils.set_random_seed(42)
    model = recipes["build_fast_cnn"](**settings)
    model.fit(**warm_up, epochs=1, verbose=0)
    return model


def warm_up_arguments(fit_arguments, steps=10):
    """The same input, cut to a few steps: traces the train function before the clock runs."""
    if "y" in fit_arguments:  # end on the same partial batch as the full epoch: one trace
        batch_size = fit_arguments["batch_size"]
        count = steps * batch_size + len(fit_arguments["x"]) % batch_size
        return dict(fit_arguments, x=fit_arguments["x"][:count], y=fit_arguments["y"][:count])
    return dict(fit_arguments, x=fit_arguments["x"].take(steps))


class EpochClock:
    """Wall time and idle time of one timed block: idle is the wall time minus the
    process's CPU time spread over all cores (a stalled epoch: the process waited)."""

    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.wall
        cpu = time.process_time() - self.cpu
        self.idle = max(self.seconds - cpu / (os.cpu_count() or 1), 0.0)
        return False


def as_variant(seconds, idle):
    """The JSON of one measured variant: every round's wall and idle seconds."""
    return {"all_rounds": [round(value, 2) for value in seconds],
            "idle_rounds": [round(value, 2) for value in idle]}


def measure_pipelines(recipes, inputs, repeats, rounds):
    """Images per second alone (best of `repeats`) and seconds per CNN epoch (every one of
    `rounds`), the pipelines alternating in both."""
    images_per_second = recipes["images_per_second"]  # the chapter's own measurement
    for dataset, _ in inputs.values():  # warm-up: tracing of the mapped functions
        images_per_second(dataset)
    rates = {key: [] for key in inputs}
    for _ in range(repeats):
        for key, (dataset, _) in inputs.items():
            rates[key].append(images_per_second(dataset))
    print("   alone:", {key: f"{max(v):,.0f}/s" for key, v in rates.items()})

    epochs = {key: [] for key in inputs}
    idle = {key: [] for key in inputs}
    for round_ in range(rounds):
        for key, (_, fit_arguments) in inputs.items():
            model = fresh_model(recipes, warm_up_arguments(fit_arguments))
            with EpochClock() as clock:
                model.fit(**fit_arguments, epochs=1, verbose=0)
            epochs[key].append(clock.seconds)
            idle[key].append(clock.idle)
        print(f"   training, round {round_ + 1}:",
              {key: f"{v[-1]:.1f} s (idle {idle[key][-1]:.1f})"
               for key, v in epochs.items()})
    return {
        key: {"images_per_second": round(max(rates[key])),
              **as_variant(epochs[key], idle[key])}
        for key in inputs
    }


MODEL_SETTINGS = {  # the study's names -> build_fast_cnn's arguments
    "float32": {"precision": "float32", "steps_per_execution": 1},
    "float32, steps_per_execution=16": {"precision": "float32", "steps_per_execution": 16},
    "mixed_bfloat16": {"precision": "mixed_bfloat16", "steps_per_execution": 1},
    "mixed_bfloat16, steps_per_execution=16": {"precision": "mixed_bfloat16",
                                               "steps_per_execution": 16},
}


def measure_model_speed(recipes, images, labels, rounds):
    """Seconds per epoch of the recommended CNN in each setting, alternating, every round.

    The mixed_bfloat16 settings run only where a bfloat16 convolution runs at all."""
    dataset = recipes["make_dataset"](images, labels, batch_size=128, shuffle=True, seed=0)
    runs = recipes["bfloat16_runs"]()
    settings_run = {name: settings for name, settings in MODEL_SETTINGS.items()
                    if runs or settings["precision"] != "mixed_bfloat16"}
    seconds = {name: [] for name in settings_run}
    idle = {name: [] for name in settings_run}
    for round_ in range(rounds):
        for name, settings in settings_run.items():
            model = fresh_model(recipes, {"x": dataset.take(32), "shuffle": False}, **settings)
            with EpochClock() as clock:
                model.fit(dataset, epochs=1, verbose=0, shuffle=False)
            seconds[name].append(clock.seconds)
            idle[name].append(clock.idle)
        print(f"   round {round_ + 1}:",
              {k: f"{v[-1]:.1f} s (idle {idle[k][-1]:.1f})" for k, v in seconds.items()})
    return {name: (as_variant(seconds[name], idle[name]) if name in seconds
                   else {"all_rounds": None, "idle_rounds": None})
            for name in MODEL_SETTINGS}


def faster_precision(recipes, model_speed):
    """The recipe's precision: mixed_bfloat16 only where it made the CNN measurably
    faster than float32 (both with steps_per_execution=16), float32 elsewhere."""
    mixed = model_speed["mixed_bfloat16, steps_per_execution=16"]
    baseline = model_speed["float32, steps_per_execution=16"]
    if mixed["all_rounds"] is None or not recipes["measurable"](mixed, baseline):
        return "float32"
    return "mixed_bfloat16" if max(recipes["round_ratios"](mixed, baseline)) < 1 else "float32"


def training_clock(keras, x_test, y_test, label):
    """A callback timing each epoch's training; test accuracy measured outside the clock."""

    class TrainingClock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.seconds, self.accuracy, self.idle, self.elapsed = [], [], [], 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self.clock = EpochClock().__enter__()

        def on_epoch_end(self, epoch, logs=None):
            self.clock.__exit__(None, None, None)
            self.elapsed += self.clock.seconds
            self.idle.append(round(self.clock.idle, 1))
            accuracy = self.model.evaluate(x_test, y_test, batch_size=1000, verbose=0)[1]
            self.seconds.append(round(self.elapsed, 1))
            self.accuracy.append(round(float(accuracy), 4))
            print(f"    {label} epoch {epoch + 1}: {self.elapsed:6.1f} s, "
                  f"test accuracy {accuracy:.4f}")

    return TrainingClock()


def time_to_accuracy(recipes, data, recipe, seeds, tutorial_epochs):
    """The tutorial MLP and the recipe (one run per seed), one epoch of each in turn.

    Alternating matters on a shared machine: its speed drifts by a large factor within
    minutes, and runs one after the other would compare the machine's moods, not the
    recipes. Each `fit` call trains one epoch and continues where the last one stopped
    (the optimizer's step count, and with it the learning-rate schedule, carries on).
    """
    import keras

    (train_images, train_labels), (test_images, test_labels) = data
    to_float = recipes["to_float"]  # the chapter's scaling: uint8 -> float32 in [0, 1]
    x_test = to_float(test_images, test_labels)[0].numpy()
    x_train = to_float(train_images, train_labels)[0].numpy()
    batch_size, epochs = recipe["batch_size"], recipe["epochs"]
    steps = epochs * -(-len(train_images) // batch_size)

    keras.utils.set_random_seed(42)
    trainings = {"tutorial_mlp": (
        recipes["build_tutorial_mlp"](),
        {"x": x_train, "y": train_labels},  # the tutorial: fit(x, y), default batch of 32
        training_clock(keras, x_test, test_labels, "tutorial MLP"),
        tutorial_epochs,
    )}
    for seed in seeds:
        keras.utils.set_random_seed(seed)
        model = recipes["build_fast_cnn"](
            width=recipe["width"], head=recipe["head"], dropout=recipe["dropout"],
            learning_rate=recipe["learning_rate"], decay_steps=steps,
            precision=recipe["precision"], steps_per_execution=recipe["steps_per_execution"],
        )
        dataset = recipes["make_dataset"](
            train_images, train_labels, batch_size=batch_size, shuffle=True, seed=seed
        )
        trainings[f"seed {seed}"] = (
            model, {"x": dataset, "shuffle": False},
            training_clock(keras, x_test, test_labels, f"recipe, seed {seed}"), epochs,
        )
    for epoch in range(max(tutorial_epochs, epochs)):
        for model, fit_arguments, clock, planned in trainings.values():
            if epoch < planned:
                model.fit(**fit_arguments, initial_epoch=epoch, epochs=epoch + 1, verbose=0,
                          callbacks=[clock])
    runs = {name: {"seconds": clock.seconds, "test_accuracy": clock.accuracy,
                   "idle_seconds": clock.idle}
            for name, (_, _, clock, _) in trainings.items()}
    return {"tutorial_mlp": runs.pop("tutorial_mlp"), "recipe": runs}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="2,000 images and 1 epoch: checks the code, measures nothing useful")
    parser.add_argument("--repeats", type=int, default=5, help="passes per pipeline, alone")
    parser.add_argument("--rounds", type=int, default=7, help="epochs per pipeline or setting")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the JSON")
    parser.add_argument("--record", action="store_true",
                        help="also write the numbers into the study's results cell")
    parser.add_argument("--record-only", action="store_true",
                        help="measure nothing: copy the JSON of --output into the study")
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

    tf.get_logger().setLevel("ERROR")  # many models trace their own functions: no retracing notes
    tf.config.experimental.enable_op_determinism()  # as in the chapter's setup cell

    keras.utils.set_random_seed(42)
    data = recipes["load_fashion_mnist"]()
    (train_images, train_labels), (test_images, test_labels) = data
    native_bfloat16 = cpu_has_bfloat16(recipes)
    load_before = os.getloadavg()
    tutorial_epochs = 10
    if args.quick:
        data = ((train_images[:2000], train_labels[:2000]), (test_images[:500], test_labels[:500]))
        args.repeats, args.rounds, tutorial_epochs = 1, 1, 1

    machine = machine_description()
    print(f"Machine: {machine}")
    print("1. Input pipelines, alone and training the CNN")
    pipelines = measure_pipelines(
        recipes, pipeline_inputs(recipes, *data[0]), repeats=args.repeats, rounds=args.rounds
    )
    print("2. The CNN's speed-ups")
    model_speed = measure_model_speed(recipes, *data[0], rounds=args.rounds)
    recipe = dict(RECIPE, precision=faster_precision(recipes, model_speed))
    if args.quick:
        recipe["epochs"] = 1
    print(f"3. Time to accuracy: {recipe}")
    runs = time_to_accuracy(recipes, data, recipe, SEEDS, tutorial_epochs)
    results = {
        "machine": machine,
        "software": f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
                    f"Python {platform.python_version()}",
        "date": datetime.date.today().isoformat(),
        "cpu_has_bfloat16": native_bfloat16,
        "load_average": {"before": [round(x, 2) for x in load_before],
                         "after": [round(x, 2) for x in os.getloadavg()]},
        "target_accuracy": TARGET_ACCURACY,
        "pipelines": pipelines,
        "model_speed": model_speed,
        "recipe_settings": recipe_description(recipe),
        "time_to_accuracy": runs,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)  # first: keep the run
    args.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print()
    print(recipes["speed_table"](results))
    print(f"\nwrote {args.output}")
    if args.record:
        record_in_chapter(results)
        print(f"recorded in {CHAPTER.relative_to(REPO)}; re-execute it: "
              f"make execute NOTEBOOKS={CHAPTER.relative_to(REPO)}")
    return results


def recipe_description(recipe):
    """The recipe in one line, as the table prints it."""
    return (f"width {recipe['width']}, head {recipe['head']}, dropout {recipe['dropout']}, "
            f"batch {recipe['batch_size']}, {recipe['epochs']} epochs, "
            f"Adam {recipe['learning_rate']:g} with cosine decay, "
            f"steps_per_execution={recipe['steps_per_execution']}, {recipe['precision']}")


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
