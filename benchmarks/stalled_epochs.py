"""Chapter 10's stalled epochs: does tf.data's autotuning cause them?

    python benchmarks/stalled_epochs.py          # measure, print, write JSON
    python benchmarks/stalled_epochs.py --quick  # two rounds: checks the code

On the study's machine (Intel Xeon, 2 cores) some training epochs of the study's CNN
stall: the process waits for seconds, its CPU time that of a normal epoch while its wall
time grows, and the epoch ends late, usually at 10.2 s whatever is measured, where it
otherwise takes 5 to 9 s. One suspect was tf.data's autotuner, which runs at once and
then after waits that double from 20 ms, so about 10.2 s and 20.5 s after an iterator
starts (Model::OptimizeLoop in tensorflow/core/framework/model.cc,
kOptimizationPeriodMinMs in model.h). This script trains
the CNN on the book's pipeline (make_dataset, from the study's own cells) for --rounds
epochs each way, alternating: as the book builds it, and with
`options.autotune.enabled = False`. Each epoch is on a new model traced first (as in
fashion_mnist_speed.py); every epoch's wall and idle seconds are kept (idle: wall time
minus CPU time over the cores), and an epoch counts as slowed as the study counts it (its
`slowed`). The recorded run (results/stalled_epochs.json): 3 of 14 stalled each way;
with autotuning on they ended at 10.23, 10.26 and 20.5 s (when the autotuner ran), with it
off at 10.13, 11.54 and 14.02 s. So autotuning is involved, but it is not the only cause. Nothing in the tests depends on the timings.
"""
import argparse
import datetime
import json
import os
import platform
from pathlib import Path

import fashion_mnist_speed as study

RESULTS = study.REPO / "benchmarks" / "results" / "stalled_epochs.json"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=14, help="epochs each way")
    parser.add_argument("--quick", action="store_true", help="2 rounds, 2,000 images")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)

    recipes = study.load_recipes()
    import keras
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    tf.config.experimental.enable_op_determinism()  # as in the chapter
    (images, labels), _ = recipes["load_fashion_mnist"]()
    if args.quick:
        images, labels, args.rounds = images[:2000], labels[:2000], 2
    book = recipes["make_dataset"](images, labels, 128, shuffle=True, seed=0)
    untuned = tf.data.Options()
    untuned.autotune.enabled = False
    ways = {"autotune on (the book's)": book,
            "autotune off": book.with_options(untuned)}
    seconds = {way: [] for way in ways}
    idle = {way: [] for way in ways}
    for round_ in range(args.rounds):
        for way, dataset in ways.items():
            model = study.fresh_model(recipes, {"x": dataset.take(32), "shuffle": False})
            with study.EpochClock() as clock:
                model.fit(dataset, epochs=1, verbose=0, shuffle=False)
            seconds[way].append(clock.seconds)
            idle[way].append(clock.idle)
        print(f"round {round_ + 1}:", {way: f"{seconds[way][-1]:.1f} s "
                                       f"(idle {idle[way][-1]:.1f})" for way in ways})
    results = {
        "machine": study.machine_description(),
        "software": f"TensorFlow {tf.__version__}, Keras {keras.__version__}, "
                    f"Python {platform.python_version()}",
        "date": datetime.date.today().isoformat(),
        "ways": {way: study.as_variant(seconds[way], idle[way]) for way in ways},
    }
    for way, variant in results["ways"].items():
        stalled = recipes["slowed"](variant)
        variant["slowed"] = sum(stalled)
        print(f"{way}: {sum(stalled)} of {len(stalled)} epochs slowed; "
              f"best {min(variant['all_rounds']):.1f} s, "
              f"slowest {max(variant['all_rounds']):.1f} s")
    if not args.quick:
        args.output.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {args.output}")
    return results


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    main()
