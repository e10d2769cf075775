"""The shared panel toolkit (bookkit/panel_toolkit.py), imported as a module after
the setup module (bookkit/setup_cell.py), as the chapters run their two cells.

What a learner relies on: every out-of-range value is refused in plain words before
any work starts, and a run whose loss turns NaN, infinite, or explodes is stopped and
explained, for every optimizer a panel may offer, at the largest learning rate a panel
allows. The chapters' panels are checked (test_notebook_hygiene.py) to train through
the toolkit's guarded_fit, so these checks cover them.
"""
import math
import sys

import numpy as np
import pytest

from notebooks import REPO

sys.path.insert(0, str(REPO))

LARGEST_LEARNING_RATE = 10.0  # the top of every panel's learning-rate slider


@pytest.fixture(scope="module")
def kit():
    import bookkit.setup_cell  # noqa: F401  (quiet logs, seeds: as a chapter starts)
    from bookkit import panel_toolkit

    return vars(panel_toolkit)


@pytest.fixture(scope="module")
def fashion(kit):
    (images, labels), _ = kit["keras"].datasets.fashion_mnist.load_data()
    flat = (images.reshape(len(images), 784) / 255.0).astype("float32")
    return (flat[:2_000], labels[:2_000]), (flat[50_000:51_000], labels[50_000:51_000])


def training_panel(kit, fashion):
    keras = kit["keras"]
    (x, y), validation = fashion

    def train(optimizer, learning_rate, epochs, batch_size):
        keras.utils.set_random_seed(42)
        model = keras.Sequential([keras.Input((784,)),
                                  keras.layers.Dense(64, activation="relu"),
                                  keras.layers.Dense(10)])
        model.compile(optimizer=kit["OPTIMIZERS"][optimizer](learning_rate),
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                      metrics=["accuracy"])
        return kit["guarded_fit"](model, x, y, validation_data=validation, epochs=epochs,
                                  batch_size=batch_size)

    controls = dict(
        optimizer=kit["dropdown"]("optimizer", kit["OPTIMIZERS"], "adam"),
        learning_rate=kit["log_slider"]("learning rate", 1e-5, LARGEST_LEARNING_RATE, 1e-3),
        epochs=kit["int_slider"]("epochs", 1, 5, 2),
        batch_size=kit["dropdown"]("batch size", [32, 64, 128], 64),
    )
    return kit["Panel"]("TrainingPanel", controls, train, button="Train")


# --- one validation path -------------------------------------------------------------

@pytest.mark.parametrize("make, bad", [
    (lambda k: k["int_slider"]("epochs", 1, 20, 3), [0, 21, 2.5, True, float("nan"), "3"]),
    (lambda k: k["float_slider"]("dropout", 0.0, 0.8, 0.2, 0.05), [-0.1, 0.81, float("inf")]),
    (lambda k: k["log_slider"]("learning rate", 1e-5, 10.0, 1e-3), [0.0, 1e-6, 11.0, -1.0]),
    (lambda k: k["dropdown"]("batch size", [32, 64], 32), [48, "32", None]),
    (lambda k: k["range_slider"]("x range", -10.0, 10.0, (-5.0, 5.0), 0.5),
     [(-11.0, 0.0), (0.0, 12.0), 3.0, (1.0,)]),
    (lambda k: k["text_box"]("widths"), [12, None]),
    (lambda k: k["checkbox"]("show derivative", True), [1, "yes", None]),
])
def test_out_of_range_values_are_refused_in_plain_words(kit, make, bad):
    control = make(kit)
    kit["check_value"](control, control.value)  # what the control holds is fine
    for value in bad:
        with pytest.raises(ValueError) as refused:
            kit["check_value"](control, value)
        assert control.description in str(refused.value)


def test_a_multiple_choice_needs_at_least_one_known_choice(kit):
    control = kit["multi_choice"]("rates", [1e-3, 1e-2], (1e-3,))
    kit["check_value"](control, (1e-3, 1e-2))
    for bad in [(), (0.5,)]:
        with pytest.raises(ValueError, match="rates: choose at least one of"):
            kit["check_value"](control, bad)


def test_controls_do_no_work_while_dragged_and_show_their_labels_in_full(kit):
    for control in [kit["int_slider"]("epochs", 1, 5, 2), kit["log_slider"]("rate", 1e-3, 1, 1e-2),
                    kit["float_slider"]("p", 0, 1, 0.5, 0.1), kit["text_box"]("widths"),
                    kit["range_slider"]("x", -1, 1, (-1, 1), 0.5)]:
        assert control.continuous_update is False
        assert control.style.description_width == "initial"


def test_a_refused_run_trains_nothing_and_keeps_the_previous_result(kit, fashion):
    panel = training_panel(kit, fashion)
    first = panel.run(epochs=1)
    assert first is not None and len(panel.runs) == 1
    for bad in [dict(epochs=0), dict(learning_rate=1e3), dict(batch_size=100),
                dict(optimizer="adagrad"), dict(learning_rate=float("nan"))]:
        assert panel.run(**bad) is None
        assert panel.message.startswith("Not run: ") and "previous result is kept" in panel.message
        assert "color:#b00" in panel.status.value
    assert len(panel.runs) == 1
    with pytest.raises(TypeError, match="has no setting"):
        panel.run(learnin_rate=0.1)


def test_a_healthy_run_reports_in_words_not_dicts(kit, fashion):
    panel = training_panel(kit, fashion)
    run = panel.run(epochs=2)
    assert run["stopped"] is None and len(run["history"]["loss"]) == 2
    assert panel.message.startswith("Run 1 done: validation accuracy 0.")
    assert panel.message.endswith("after 2 epochs.")
    assert "{" not in panel.message and "color:#b00" not in panel.status.value
    assert len(panel.plot.outputs) == 1  # the curves are drawn inside the panel
    assert repr(panel) == ("TrainingPanel(optimizer='adam', learning_rate=0.001, epochs=2, "
                           "batch_size=64, runs=1)")


# --- the training guard --------------------------------------------------------------

@pytest.mark.parametrize("optimizer", ["sgd", "sgd (momentum 0.9)", "rmsprop", "adam",
                                       "nadam", "adamw"])
def test_every_offered_optimizer_is_stopped_and_explained_at_the_largest_rate(
        kit, fashion, optimizer):
    assert optimizer in kit["OPTIMIZERS"]
    panel = training_panel(kit, fashion)
    run = panel.run(optimizer=optimizer, learning_rate=LARGEST_LEARNING_RATE, epochs=3)
    assert run["stopped"], f"{optimizer} at {LARGEST_LEARNING_RATE} was not stopped"
    assert len(run["history"]["loss"]) == 1  # stopped inside the first epoch
    assert panel.message.startswith("Run 1 stopped in epoch 1: the loss ")
    assert "Training diverged" in panel.message and "learning rate" in panel.message
    assert "color:#b00" in panel.status.value


def test_the_offered_optimizers_are_exactly_those_tested(kit):
    assert sorted(kit["OPTIMIZERS"]) == sorted(["sgd", "sgd (momentum 0.9)", "rmsprop", "adam",
                                                "nadam", "adamw"])


def guarded_history(kit, x, y, **compile_options):
    keras = kit["keras"]
    keras.utils.set_random_seed(1)
    model = keras.Sequential([keras.Input((x.shape[1],)), keras.layers.Dense(1)])
    model.compile(**compile_options)
    return kit["guarded_fit"](model, x, y, epochs=3, batch_size=10)


def test_the_guard_stops_a_nan_loss(kit):
    x = np.ones((40, 3), "float32")
    x[25] = np.nan  # one bad input row poisons the loss
    record = guarded_history(kit, x, np.zeros((40, 1), "float32"), optimizer="sgd", loss="mse")
    assert record["stopped"] == "the loss became nan"
    assert len(record["history"]["loss"]) == 1


def least_squares(kit, learning_rate):
    """An exact linear regression trained with plain SGD at this learning rate."""
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    return guarded_history(kit, x, y, optimizer=kit["keras"].optimizers.SGD(learning_rate),
                           loss="mse")


def test_the_guard_stops_a_loss_that_explodes_but_stays_finite(kit):
    # A step far beyond 2 / (largest curvature): each step overshoots further, so the loss
    # grows geometrically, finite for many steps.
    record = least_squares(kit, 1.5)
    losses = record["history"]["loss"]
    assert record["stopped"].startswith("the loss grew from ")
    assert all(math.isfinite(loss) for loss in losses)


def test_the_guard_lets_a_healthy_run_finish(kit):
    record = least_squares(kit, 0.05)
    assert record["stopped"] is None and len(record["history"]["loss"]) == 3
    assert record["history"]["loss"][-1] < record["history"]["loss"][0]


# --- panels without a button ---------------------------------------------------------

def test_a_live_panel_redraws_on_change_and_keeps_the_last_good_picture(kit):
    plt = kit["plt"]

    def draw(x_range):
        low, high = x_range
        figure, ax = plt.subplots()
        ax.plot([low, high], [low, high])
        return {"figure": figure, "message": f"drawn on [{low:g}, {high:g}]"}

    def non_empty(x_range):
        if x_range[0] >= x_range[1]:
            raise ValueError("the range is empty")

    slider = kit["range_slider"]("x range", -10.0, 10.0, (-5.0, 5.0), 0.5)
    panel = kit["Panel"]("Explorer", {"x_range": slider}, draw, check=non_empty)
    assert panel.message == "drawn on [-5, 5]" and len(panel.runs) == 1
    slider.value = (-2.0, 3.0)  # as if the learner let go of the handle
    assert panel.message == "drawn on [-2, 3]" and len(panel.runs) == 2
    picture = panel.plot.outputs
    slider.value = (1.0, 1.0)
    assert panel.message == ("Not redrawn: the range is empty. The previous result is kept.")
    assert panel.plot.outputs == picture and len(panel.runs) == 2
    assert "figure" not in panel.runs[-1]  # figures are shown once, not hoarded
    assert repr(panel) == "Explorer(x_range=(1.0, 1.0))"  # what the controls hold


def test_a_run_that_raises_is_not_kept(kit):
    def broken(n):
        raise RuntimeError("boom")

    panel = kit["Panel"]("Broken", {"n": kit["int_slider"]("n", 1, 3, 1)}, broken, button="Go")
    with pytest.raises(RuntimeError, match="boom"):
        panel.run()
    assert panel.runs == [] and kit["Panel"].active is None


# --- plots that stay readable ---------------------------------------------------------

def _run(loss, stopped=None):
    return {"settings": {}, "history": {"loss": loss, "val_accuracy": [0.5] * len(loss)},
            "stopped": stopped}


def test_a_stopped_run_does_not_set_the_scale_of_the_plot(kit):
    runs = [_run([2.0, 1.0, 0.8]), _run([2.3, 4e11], stopped="the loss grew"), _run([2.1, 0.9])]
    figure = kit["plot_runs"](runs)
    try:
        low, high = figure.axes[0].get_ylim()
        assert high < 3, f"the exploded run set the loss axis to {high:g}"
        assert "(stopped)" in " ".join(t.get_text() for t in figure.axes[-1].get_legend().get_texts())
    finally:
        kit["plt"].close(figure)


def test_the_plot_shows_the_last_runs_with_the_legend_outside(kit):
    runs = [_run([2.0, 1.0 / n]) for n in range(1, 13)]
    figure = kit["plot_runs"](runs)
    try:
        legend = figure.axes[-1].get_legend()
        names = [t.get_text() for t in legend.get_texts()]
        assert names[0] == "#5" and names[-1] == "#12" and len(names) == 8
        assert "last 8 of 12" in legend.get_title().get_text()
        anchor = legend.get_bbox_to_anchor().transformed(figure.axes[-1].transAxes.inverted())
        assert anchor.x0 >= 1.0, "the legend stands outside the axes"
    finally:
        kit["plt"].close(figure)
