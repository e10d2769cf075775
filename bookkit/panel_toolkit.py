# @title Panel toolkit
# The same in every chapter that has a panel. A panel = controls + (a button,
# or redraw on change) + a status line + a plot, built on ipywidgets' own
# controls, layouts, `observe` and `Output`. Plots go into the Output with
# `append_display_data`, not `with output:` (that route differs between a live
# notebook and a headless run), so the saved page shows what the kernel drew.
import datetime
import html
import math
import signal
import threading
import time

import ipywidgets as widgets
import keras
import matplotlib.pyplot as plt
from matplotlib.ticker import MaxNLocator

# The optimizers a panel may offer; the guard below stops each of them at the
# largest learning rate a panel allows (10).
OPTIMIZERS = {
    "sgd": lambda rate: keras.optimizers.SGD(rate),
    "sgd (momentum 0.9)": lambda rate: keras.optimizers.SGD(rate, momentum=0.9),
    "rmsprop": lambda rate: keras.optimizers.RMSprop(rate),
    "adam": lambda rate: keras.optimizers.Adam(rate),
    "nadam": lambda rate: keras.optimizers.Nadam(rate),
    "adamw": lambda rate: keras.optimizers.AdamW(rate),
}
_LABELS = {
    "description_width": "initial"
}  # show "learning rate" in full, not "learning r..."


def dropdown(label, options, value=None):
    options = list(options)
    return widgets.Dropdown(
        options=options,
        value=options[0] if value is None else value,
        description=label,
        style=_LABELS,
    )


def checkbox(label, value):
    return widgets.Checkbox(value=value, description=label, style=_LABELS)


def multi_choice(label, options, value, rows=5):
    return widgets.SelectMultiple(
        options=list(options),
        value=tuple(value),
        rows=rows,
        description=label,
        style=_LABELS,
    )


def int_slider(label, low, high, value, step=1):
    return widgets.IntSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=label,
        continuous_update=False,
        style=_LABELS,
    )


def float_slider(label, low, high, value, step):
    return widgets.FloatSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=label,
        continuous_update=False,
        style=_LABELS,
    )


def log_slider(label, low, high, value):
    """A slider over powers of ten, e.g. learning rates from 1e-5 to 10."""
    return widgets.FloatLogSlider(
        value=value,
        base=10,
        min=math.log10(low),
        max=math.log10(high),
        step=0.25,
        readout_format=".0e",
        description=label,
        continuous_update=False,
        style=_LABELS,
    )


def range_slider(label, low, high, value, step):
    return widgets.FloatRangeSlider(
        value=value,
        min=low,
        max=high,
        step=step,
        description=label,
        continuous_update=False,
        style=_LABELS,
    )


def text_box(label, placeholder=""):
    """Free text, read on Enter or when the box loses focus, not per key."""
    return widgets.Text(
        value="",
        placeholder=placeholder,
        description=label,
        continuous_update=False,
        style=_LABELS,
    )


def _number(label, value, low, high, whole=False):
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
    ):
        raise ValueError(f"{label} must be a number, not {value!r}")
    if not low <= value <= high:
        raise ValueError(
            f"{label} = {value:g} is outside the allowed range "
            f"{low:g} to {high:g}"
        )
    if whole and value != int(value):
        raise ValueError(f"{label} must be a whole number, not {value!r}")


def check_value(control, value):
    """The one validation path: refuse what the control could not hold."""
    label = control.description or "value"
    if isinstance(control, widgets.widgets.widget_selection._MultipleSelection):
        allowed = [
            option[1] if isinstance(option, tuple) else option
            for option in control.options
        ]
        if not value or any(item not in allowed for item in value):
            raise ValueError(f"{label}: choose at least one of {allowed}")
    elif isinstance(control, widgets.widgets.widget_selection._Selection):
        allowed = [
            option[1] if isinstance(option, tuple) else option
            for option in control.options
        ]
        if value not in allowed:
            raise ValueError(f"{label} must be one of {allowed}, not {value!r}")
    elif isinstance(control, widgets.FloatLogSlider):
        low, high = control.base**control.min, control.base**control.max
        _number(label, value, low * (1 - 1e-9), high * (1 + 1e-9))
    elif isinstance(
        control, (widgets.FloatRangeSlider, widgets.IntRangeSlider)
    ):
        if not isinstance(value, (tuple, list)) or len(value) != 2:
            raise ValueError(
                f"{label} must be two numbers (low, high), not {value!r}"
            )
        for end in value:
            _number(label, end, control.min, control.max)
    elif isinstance(control, (widgets.IntSlider, widgets.FloatSlider)):
        _number(
            label,
            value,
            control.min,
            control.max,
            isinstance(control, widgets.IntSlider),
        )
    elif isinstance(control, widgets.Checkbox) and not isinstance(value, bool):
        raise ValueError(f"{label} must be True or False, not {value!r}")
    elif isinstance(control, widgets.Text) and not isinstance(value, str):
        raise ValueError(f"{label} must be text, not {value!r}")


# -- typed values -------------------------------------------------------------
# A slider's own readout can be typed into, and the browser then clamps what is
# typed to the slider's range without a word (100 becomes 10). So a panel hides
# that readout and shows the value in a small box of its own instead: what is
# typed there is checked here, set if the slider can hold it (moved to the
# nearest step if it falls between steps) and otherwise refused, with a message
# next to the box, which always shows the slider's range.
_SLIDERS = (
    widgets.IntSlider,
    widgets.FloatSlider,
    widgets.FloatLogSlider,
    widgets.FloatRangeSlider,
)


def _shown(control, value):
    """A value as the box shows it."""
    if isinstance(control, widgets.FloatRangeSlider):
        return f"{value[0]:g} to {value[1]:g}"
    if isinstance(control, widgets.FloatLogSlider):
        return f"{value:.2g}"
    return f"{value:g}"


def _span(control):
    if isinstance(control, widgets.FloatLogSlider):
        low, high = control.base**control.min, control.base**control.max
        return f"{low:g} to {high:g}"
    return f"{control.min:g} to {control.max:g}"


def _on_a_step(control, number):
    """The nearest value the slider can take (number is inside its range)."""
    if isinstance(control, widgets.FloatLogSlider):
        power = math.log(number, control.base)
        steps = round((power - control.min) / control.step)
        power = min(control.max, control.min + steps * control.step)
        return float(f"{control.base**power:.3g}")
    steps = round((number - control.min) / control.step)
    value = min(control.max, control.min + steps * control.step)
    return int(value) if isinstance(control, widgets.IntSlider) else round(
        value, 10
    )


def read_typed(control, text):
    """(value, note) for what was typed in a slider's box; ValueError if the
    slider cannot take it. The note says when the value was moved to a step."""
    label = control.description or "value"
    parts = text.replace(",", " ").replace(" to ", " ").split()
    if isinstance(control, widgets.FloatRangeSlider):
        parts = [part for part in parts if part not in ("-", "–")]
    wanted = 2 if isinstance(control, widgets.FloatRangeSlider) else 1
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) != wanted or not all(map(math.isfinite, numbers)):
        if wanted == 2:
            raise ValueError(f"{label}: type two numbers, e.g. -2 to 3")
        example = _shown(control, control.value)
        raise ValueError(f"{label}: type a number, e.g. {example}")
    for number in numbers:  # the range, and whole numbers where needed
        if wanted == 2:
            _number(label, number, control.min, control.max)
        else:
            check_value(control, number)
    values = [_on_a_step(control, number) for number in numbers]
    value = tuple(values) if wanted == 2 else values[0]
    if wanted == 2 and value[0] > value[1]:
        raise ValueError(f"{label}: the first number must be the smaller")
    moved = any(
        not math.isclose(a, b, rel_tol=1e-6, abs_tol=1e-12)
        for a, b in zip(values, numbers)
    )
    note = f"set to {_shown(control, value)}, the nearest step" if moved else ""
    return value, note


def _first_up(text):
    return text[:1].upper() + text[1:]


class _TypedValue:
    """The box beside a slider (its readout hidden) and the note after it."""

    def __init__(self, control, panel):
        self.control, self.panel = control, panel
        control.readout = False
        self.box = widgets.Text(
            value=_shown(control, control.value),
            continuous_update=False,
            layout=widgets.Layout(width="7.5em"),
            tooltip=f"type a value from {_span(control)}, then Enter",
        )
        self.note = widgets.HTML(self._range())
        self.quiet = False
        self.box.observe(self.typed, names="value")
        control.observe(self.moved, names="value")

    def _range(self, extra=""):
        return f"<small style='color:#555'>{_span(self.control)}{extra}</small>"

    def show(self, value):
        shown = _shown(self.control, value)
        if self.box.value != shown:  # set quietly: not a typed value
            self.quiet = True
            try:
                self.box.value = shown
            finally:
                self.quiet = False

    def moved(self, change):
        self.show(change["new"])
        self.note.value = self._range()  # a refusal's note ends here

    def typed(self, change):
        if self.quiet:
            return
        try:
            value, note = read_typed(self.control, change["new"])
        except ValueError as problem:
            self.note.value = (
                f"<small style='color:#b00'>⚠ {_span(self.control)} only"
                "</small>"
            )
            self.panel.say(
                f"Not set: {problem}. {_first_up(self.control.description)}"
                " stays "
                f"{_shown(self.control, self.control.value)}.",
                problem=True,
            )
            self.show(self.control.value)
            return
        self.note.value = self._range(
            f" <span style='color:#b60'>({note})</span>" if note else ""
        )
        if note:
            self.panel.say(
                f"{self.control.description}: {change['new'].strip()} "
                f"{note}."
            )
        if self.control.value != value:
            self.control.value = value  # a panel without a button redraws
        self.show(value)


def plural(count, noun):
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class DivergenceGuard(keras.callbacks.Callback):
    """Stop training that diverges; say when a run learned nothing, or is
    learning slowly.

    Diverged: the loss is NaN or infinite, or far past its start (growth
    times). keras.callbacks.TerminateOnNaN catches only the first; a loss that
    explodes to 1e10 and stays finite needs the second. The loss checked after
    each batch is the one fit reports, the epoch's running mean; the start is
    the first batch's loss, computed with the initial weights.

    When training ends (the run is not stopped), like is compared with like:
    the last epoch's mean loss with the first epoch's, or, after one epoch,
    the epoch's mean with the mean of its first `opening` batches. Still at
    least `stuck` (90%) of it: the loss barely moved. Then:
    - accuracy logged (3 or more classes) and at most 1.5 times chance
      (1 / classes): guessing does as well, the run learned nothing;
    - accuracy logged and above that: the run is learning, slowly;
    - no accuracy logged: the loss alone says the run learned nothing.
    The advice depends on the loss's path. An epoch's mean loss more than
    `rise` (5%) above its start (the first batch's loss, or the mean of the
    first batches if lower), or a running mean above 1.5 times it, is past
    the noise of single batches (about 1% at batch 128, 2.5% at batch 16, on
    the chapters' MLPs): the steps are too
    large (SGD with momentum 0.9 at 0.3 on chapter 3's MLP, say); otherwise
    they are too small or too few. The growth rule never fires for these
    runs, so without this check they would be reported as done.
    """

    def __init__(self, growth=10.0, stuck=0.9, chance_factor=1.5,
                 opening=10, rise=1.05):
        super().__init__()
        self.growth, self.stuck, self.chance_factor = (
            growth,
            stuck,
            chance_factor,
        )
        self.opening, self.rise = opening, rise

    def on_train_begin(self, logs=None):
        self.start, self.reason, self.peak = None, None, None
        self.learned_nothing, self.learning_slowly = None, None
        self.logs, self.epoch_losses, self.first_batches = {}, [], None

    def on_train_batch_end(self, batch, logs=None):
        loss = float((logs or {}).get("loss", 0.0))
        if self.start is None:
            self.start = loss
        if not self.epoch_losses and batch < self.opening:
            self.first_batches = loss  # the mean of the batches so far
        if batch >= min(2, self.opening - 1):  # a mean of a few batches
            self.peak = loss if self.peak is None else max(self.peak, loss)
        if not math.isfinite(loss):
            self.reason = f"the loss became {loss}"
        elif loss > self.growth * max(self.start, 1e-3):
            self.reason = (
                f"the loss grew from {self.start:.3g} to {loss:.3g}, more than "
                f"{self.growth:g} times where it started"
            )
        if self.reason:
            self.model.stop_training = True

    def on_epoch_end(self, epoch, logs=None):
        self.logs = {key: float(value) for key, value in (logs or {}).items()}
        self.epoch_losses.append(self.logs.get("loss", math.nan))

    def _classes(self):
        try:
            return int(self.model.outputs[0].shape[-1])
        except (AttributeError, IndexError, TypeError, ValueError):
            return 0

    def verdict(self):
        """(kind, why): kind None (learned), "nothing" or "slowly"."""
        if self.reason or self.first_batches is None or "loss" not in self.logs:
            return None, None
        losses, opening = self.epoch_losses, self.first_batches
        if len(losses) >= 2:
            before, after = losses[0], losses[-1]
            moved = (
                f"the training loss of the last epoch is still "
                f"{after / before:.0%} of the first epoch's"
            )
        else:
            before, after = opening, losses[-1]
            moved = (
                f"the epoch's mean training loss is still {after / before:.0%}"
                f" of its first batches'"
            )
        stuck = math.isfinite(after) and after >= self.stuck * before > 0
        key = "val_accuracy" if "val_accuracy" in self.logs else "accuracy"
        classes, accuracy = self._classes(), self.logs.get(key)
        name = key.replace("val_", "validation ")
        at_chance = learning = False
        if accuracy is not None and classes >= 3:
            at_chance = accuracy <= self.chance_factor / classes
            learning = not at_chance
        if at_chance:
            kind = "nothing"
            found = [
                f"{name} {accuracy:.3f} is no better than guessing "
                f"(1 in {classes})"
            ] + ([moved] if stuck else [])
        elif stuck and learning:
            kind = "slowly"
            found = [f"{moved}, {name} {accuracy:.3f}"]
        elif stuck:
            kind, found = "nothing", [moved]
        else:
            return None, None
        base = min(self.start, opening)  # the lower, if the loss rose early
        worst = max([*losses, self.peak or base])
        if max(losses) > self.rise * base or worst > 1.5 * base:
            advice = (
                f"the loss rose to {worst / base:.2g} times its start "
                "before it settled: the steps are too large; try a learning "
                "rate 10 times smaller"
            )
        elif kind == "slowly":
            advice = "try a larger learning rate or more epochs"
        else:
            advice = (
                "the loss barely moved: the steps are too small or too few; "
                "try a learning rate 10 times larger, or more epochs"
            )
        return kind, f"{' and '.join(found)}; {advice}"

    def judge(self):
        """Why the finished run learned nothing (None if it learned)."""
        kind, why = self.verdict()
        return why if kind == "nothing" else None

    def on_train_end(self, logs=None):
        kind, why = self.verdict()
        self.learned_nothing = why if kind == "nothing" else None
        self.learning_slowly = why if kind == "slowly" else None


def _minutes(seconds):
    if seconds < 90:
        return f"{seconds:.0f} s"
    return f"{seconds / 60:.0f} minutes"


class _LiveRecord(keras.callbacks.Callback):
    """Copy each epoch's numbers into the panel's current run; show progress,
    within an epoch too, and announce a long run from its first batches."""

    LONG = 60  # seconds: a run expected to take longer says so
    EVERY = 2  # seconds between two progress messages

    def __init__(self, panel, epochs):
        super().__init__()
        self.panel, self.epochs, self.history = panel, epochs, {}
        self.clock, self.batches, self.said = None, 0, 0.0
        self.estimate = None  # seconds the whole run is expected to take

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def _stop_if_interrupted(self):
        if self.panel is not None and self.panel.interrupt.heard:
            raise KeyboardInterrupt  # Kernel > Interrupt, heard for a subshell

    def on_test_batch_end(self, batch, logs=None):  # validation stops too
        self._stop_if_interrupted()

    def on_train_batch_end(self, batch, logs=None):
        if self.panel is None:
            return
        self._stop_if_interrupted()
        now = time.monotonic()
        if self.clock is None:  # the first batch also builds and traces
            self.clock, self.first = now, now
            return
        self.batches += 1
        steps = (self.params or {}).get("steps") or 0
        if not steps or now - self.said < self.EVERY or self.batches < 3:
            return
        self.said = now
        per_batch = (now - self.clock) / self.batches
        left = per_batch * (steps * (self.epochs - self.epoch) - batch - 1)
        whole = (now - self.first) + left
        self.estimate = self.estimate or whole
        long = (
            f"a long run, about {_minutes(self.estimate)} in all; "
            "Interrupt (■; Colab: Runtime > Interrupt execution) stops it, "
            "keeping the finished epochs; "
            if self.estimate > self.LONG
            else ""
        )
        self.panel.say(
            f"Run {len(self.panel.runs)}: {long}epoch {self.epoch + 1} of "
            f"{self.epochs}, batch {batch + 1} of {steps}, about "
            f"{_minutes(left)} left ..."
        )

    def on_epoch_end(self, epoch, logs=None):
        for key, value in (logs or {}).items():
            self.history.setdefault(key, []).append(float(value))
        if self.panel is not None:
            self.panel.current["history"] = self.history
            self.panel.say(
                f"Run {len(self.panel.runs)}: epoch {epoch + 1} of "
                f"{self.epochs}, loss {self.history['loss'][-1]:.3g} ..."
            )
            if self.panel.curves or self.panel.draw:  # live curves
                self.panel.redraw()
        self._stop_if_interrupted()  # heard in the last validation: say so


def guarded_fit(model, *data, epochs=1, callbacks=(), **fit_options):
    """model.fit, quietly, with a DivergenceGuard; returns the run's record:
    "history", "stopped" (why it diverged), "learned_nothing" (why it learned
    nothing), "learning_slowly" (why it seems slow), "interrupted"."""
    guard, live = DivergenceGuard(), _LiveRecord(Panel.active, epochs)
    record = {"interrupted": False}
    try:
        # the chapter's callbacks first: what they add to the logs (a learning
        # rate, say) is then in the epoch's record
        model.fit(
            *data,
            epochs=epochs,
            callbacks=[*callbacks, guard, live],
            verbose=0,
            **fit_options,
        )
    except KeyboardInterrupt:  # Kernel > Interrupt: keep the finished epochs
        record["interrupted"] = True
    kind, why = (None, None) if record["interrupted"] else guard.verdict()
    record.update(
        history=live.history,
        stopped=guard.reason,
        learned_nothing=why if kind == "nothing" else None,
        learning_slowly=why if kind == "slowly" else None,
    )
    return record


def plot_runs(runs, curves=("loss", "val_accuracy"), label=None, last=8):
    """One plot per curve for the last few runs: the newest bold, earlier ones
    thin, the legend outside the plots. A run the guard stopped is drawn
    dashed and does not set the axes, so one diverged run cannot flatten the
    others into a line at zero."""
    titles = {
        "loss": "training loss",
        "val_loss": "validation loss",
        "accuracy": "training accuracy",
        "val_accuracy": "validation accuracy",
    }
    fig, axes = plt.subplots(
        1, len(curves), figsize=(4.2 * len(curves) + 1.6, 3.2), squeeze=False
    )
    first = max(1, len(runs) - last + 1)
    shown = list(enumerate(runs, start=1))[first - 1:]
    healthy = [(n, run) for n, run in shown if not run.get("stopped")]
    stopped = [(n, run) for n, run in shown if run.get("stopped")]
    for ax, key in zip(axes[0], curves):
        for number, run in healthy + stopped:
            if run.get("stopped") and healthy:
                ax.autoscale(False)  # the healthy runs have set the axes
            name = label(run["settings"]) if label else ""
            values = run.get("history", {}).get(key, [])
            ax.plot(
                range(1, len(values) + 1),
                values,
                marker="o",
                linestyle="--" if run.get("stopped") else "-",
                linewidth=2.5 if number == len(runs) else 1,
                alpha=1 if number == len(runs) else 0.5,
                label=f"#{number} {name}".strip()
                + (" (stopped)" if run.get("stopped") else "")
                + (" (interrupted)" if run.get("interrupted") else "")
                + (" (learned nothing)" if run.get("learned_nothing") else "")
                + (" (slow)" if run.get("learning_slowly") else ""),
            )
        ax.set(title=titles.get(key, key), xlabel="epoch")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    if shown:
        axes[0][-1].legend(
            fontsize="x-small",
            loc="upper left",
            bbox_to_anchor=(1.02, 1.0),
            title=f"last {len(shown)} of {len(runs)} runs"
            if len(runs) > len(shown)
            else None,
        )
    fig.tight_layout()
    return fig


def _kernel():
    """The kernel this code runs in; None outside one."""
    try:
        from IPython import get_ipython

        return get_ipython().kernel
    except AttributeError:
        return None


def _sent_at():
    """When the message being handled left the browser (the Jupyter message
    header's date, on the browser's clock); None outside a kernel."""
    try:
        sent = _kernel().get_parent()["header"]["date"]
    except (AttributeError, KeyError, TypeError):
        return None
    if isinstance(sent, str):
        sent = datetime.datetime.fromisoformat(sent.replace("Z", "+00:00"))
    if not isinstance(sent, datetime.datetime) or sent.tzinfo is None:
        return None
    return sent


class _Interrupt:
    """Kernel > Interrupt for a run that a click started.

    Interrupt sends the kernel SIGINT, which Python handles in the main thread
    only. A click's message runs in the main thread in most front ends, and
    ipykernel raises KeyboardInterrupt there during any message it handles.
    JupyterLab (4.6.6 here; jupyterlab/jupyterlab#17363) sends widget messages
    to a subshell instead (its setting "Kernel Comms over subshells", by
    default one per comm target), which ipykernel 7 (7.4.0 here) runs in a
    thread of its own: the SIGINT reaches the idle main thread, which ignores
    it, and the run goes on. So while a run goes
    on in another thread, the main thread is asked (through the kernel's
    event loop) to note a SIGINT instead; the training stops at its next
    batch (see _LiveRecord). The previous handler is put back afterwards."""

    def __init__(self):
        self.heard, self.loop = False, None
        self.saved, self.handler = None, None

    def __enter__(self):
        self.heard, self.loop = False, None
        if threading.current_thread() is not threading.main_thread():
            self.loop = getattr(_kernel(), "io_loop", None)
        if self.loop is not None:
            self.loop.add_callback(self._listen)
        return self

    def _listen(self):  # in the main thread
        self.handler = self._note
        self.saved = signal.signal(signal.SIGINT, self.handler)

    def _note(self, signum, frame):  # in the main thread: never raise there
        self.heard = True

    def __exit__(self, *exc):
        if self.loop is not None:
            self.loop.add_callback(self._stop_listening)
        return False

    def _stop_listening(self):  # in the main thread
        if signal.getsignal(signal.SIGINT) is self.handler:
            signal.signal(signal.SIGINT, self.saved)
        self.handler = None


class Panel(widgets.VBox):
    """Controls in; a status line and a figure (or HTML) out; runs in .runs.

    action(**settings) does the work and returns a dict: "figure" and/or
    "html" to show (without a figure, the curves of the runs: plot_runs, or
    draw(runs) if given), "message" (or "problem", shown as a warning) for the
    status line, and for training runs the record of guarded_fit ("history",
    "stopped", "learned_nothing"). With a `button` the panel works when it is
    pressed; without one, whenever a control changes (for cheap work only).
    panel.run(name=value) does the same from code.

    What a learner can rely on: every outcome ends in the status line (a
    refused value, a diverged run, a run that learned nothing, an interrupted
    run, an error in the action: its type and message); one run at a time
    (the button is disabled during a run, and clicks made during a run, which
    the kernel can only handle after it, are dropped); "Clear runs" empties
    the plot and the table; a slider's value can be typed in the box beside it.
    """

    active = None  # the panel whose action runs (guarded_fit reports to it)

    def __init__(
        self,
        name,
        controls,
        action,
        *,
        button=None,
        rows=None,
        check=None,
        curves=("loss", "val_accuracy"),
        label=None,
        draw=None,
        advice=(
            "the steps are too large: try a learning rate 10 to 100 times "
            "smaller"
        ),
    ):
        self.name, self.controls, self.action, self.check = (
            name,
            controls,
            action,
            check,
        )
        self.curves, self.label, self.advice, self.draw = (
            curves,
            label,
            advice,
            draw,
        )
        self.runs, self.current, self.message = [], None, ""
        self.busy, self.ignored, self._free_after = False, 0, None
        self._free_clock, self.interrupt = None, _Interrupt()
        self.status, self.plot, self.table = (
            widgets.HTML(),
            widgets.Output(),
            widgets.HTML(),
        )
        self.typed = {
            key: _TypedValue(control, self)
            for key, control in controls.items()
            if isinstance(control, _SLIDERS)
        }

        def shown(key):
            if key not in self.typed:
                return [controls[key]]
            entry = self.typed[key]
            return [controls[key], entry.box, entry.note]

        boxes = [
            widgets.HBox(
                [part for key in row for part in shown(key)],
                layout=widgets.Layout(flex_flow="row wrap"),
            )
            for row in rows or [list(controls)]
        ]
        if button:
            self.button = widgets.Button(
                description=button, button_style="primary", icon="play"
            )
            self.clear = widgets.Button(description="Clear runs", icon="trash")
            self.button.on_click(self._clicked)
            self.clear.on_click(self._clear_clicked)
            boxes.append(widgets.HBox([self.button, self.clear]))
        else:
            for control in controls.values():
                control.observe(lambda _: self._changed(), names="value")
        super().__init__([*boxes, self.status, self.plot, self.table])
        if not button:
            self.run()

    def settings(self, **overrides):
        unknown = sorted(set(overrides) - set(self.controls))
        if unknown:
            raise TypeError(
                f"{self.name} has no setting {unknown}; "
                f"it has {list(self.controls)}"
            )
        return {
            key: overrides.get(key, control.value)
            for key, control in self.controls.items()
        }

    def describe(self, settings):
        def shown(value, joint=" and "):
            if isinstance(value, float):
                return f"{value:.3g}"
            if isinstance(value, (tuple, list)):  # ("jax",) -> jax
                return joint.join(shown(item) for item in value)
            return f"{value}"

        return ", ".join(
            f"{self.controls[key].description} "
            + shown(value, " to " if key in self.typed else " and ")
            for key, value in settings.items()
        )

    def say(self, message, problem=False):
        self.message = message
        style = "color:#b00" if problem else ""
        sign = "⚠ " if problem else ""
        self.status.value = (
            f"<b style='{style}'>{sign}{html.escape(message)}</b>"
        )

    # -- what the learner's clicks and changes do --------------------------
    QUEUED = 0.5  # seconds: a click handled this soon after a run was queued

    def _stale(self):
        """Was the message being handled sent while a run was going? The
        kernel handles a click only after the run, so the time it was sent
        is compared with when the panel became free again (on the same,
        the browser's, clock). A front end that dates no message: a click
        handled within QUEUED seconds of the run's end was waiting for it
        (the button is enabled again only after that, on the page)."""
        if _kernel() is None:  # no front end, no clicks: a call from code
            return False
        sent = _sent_at()
        if sent is None:
            return (
                self._free_clock is not None
                and time.monotonic() - self._free_clock < self.QUEUED
            )
        return self._free_after is not None and sent < self._free_after

    def _clicked(self, _=None):
        # busy: a click handled while the run goes on (JupyterLab may handle
        # two clicks of one panel in two threads, its main shell and a
        # subshell); stale: a click that waited for the run to end
        if self.busy or self._stale():
            self.ignored += 1
            if self.ignored == 1:
                self._say_ignored()
            return
        self.run(raise_errors=False)

    def _say_ignored(self):
        self.say(
            f"{self.message} (A click made during the run was ignored: one "
            "run at a time.)",
            problem="⚠" in self.status.value,
        )

    def _changed(self):
        if not self.busy:
            self.run(raise_errors=False)

    def _clear_clicked(self, _=None):
        if self.busy or self._stale():
            return
        self.runs.clear()
        self.current = None
        self.plot.outputs = ()
        self.table.value = ""
        self.say("Runs cleared: the next run is run 1.")

    def _set_busy(self, busy):
        self.busy = busy
        if hasattr(self, "button"):
            self.button.disabled = self.clear.disabled = busy
            self.button.icon = "hourglass-half" if busy else "play"

    def run(self, raise_errors=True, **overrides):
        """Check the settings, do the work, show it; return the run's record
        (None when the settings were refused or the action failed). From
        code, an error in the action is shown and raised again; from a click,
        only shown."""
        if self.busy:  # a run from inside a run
            self.say("Not run: a run is going; one run at a time.", True)
            return None
        settings = self.settings(**overrides)
        try:
            for key, value in settings.items():
                check_value(self.controls[key], value)
            if self.check:
                self.check(**settings)
        except ValueError as problem:
            kept = " The previous result is kept." if self.runs else ""
            verb = "run" if hasattr(self, "button") else "redrawn"
            self.say(f"Not {verb}: {problem}.{kept}", problem=True)
            return None
        except Exception as error:  # a check that fails in another way
            self._failed("checking the settings", error, self.check)
            if raise_errors:
                raise
            return None
        self.current = {"settings": settings, "history": {}}
        self.runs.append(self.current)
        # busy before the first word: that message sends the panel's later
        # clicks to another thread (JupyterLab's subshells), which must see it
        Panel.active, self.ignored = self, 0
        self._set_busy(True)
        if hasattr(self, "button"):
            self.say(f"Run {len(self.runs)}: {self.describe(settings)} ...")
        sent, clock = _sent_at(), time.monotonic()
        try:
            with self.interrupt:
                self.current.update(self.action(**settings) or {})
            self.report(self.current)
            self.redraw()
        except Exception as error:
            self.runs.pop()  # a run that failed is not a run to compare with
            if self.interrupt.heard:  # e.g. a worker process it stopped
                self._interrupted()
            else:
                self._failed(f"run {len(self.runs) + 1}", error, self.action)
            if raise_errors:
                raise
            return None
        except KeyboardInterrupt:
            self.runs.pop()
            self._interrupted()
            if raise_errors:
                raise
            return None
        finally:
            Panel.active = None
            if self.ignored:  # said again after the run's own last word
                self._say_ignored()
            self._set_busy(False)
            self._free_clock = time.monotonic()
            if sent is not None:  # when the panel was free again, that clock
                self._free_after = sent + datetime.timedelta(
                    seconds=self._free_clock - clock
                )
        return self.current

    def _interrupted(self):
        self.say(
            f"Run {len(self.runs) + 1} stopped by Interrupt before it had a "
            "result; nothing kept. The panel is ready."
        )

    def _failed(self, what, error, function):
        self.say(
            f"{_first_up(what)} failed: {type(error).__name__}: {error}. "
            "Nothing was kept; the panel is ready for another try.",
            problem=True,
        )

    def report(self, run):
        epochs = len(run["history"].get("loss", []))
        if run.get("stopped"):
            self.say(
                f"Run {len(self.runs)} stopped in epoch {epochs}: "
                f"{run['stopped']}. Training diverged; {self.advice}.",
                problem=True,
            )
        elif run.get("interrupted"):
            kept = (
                f"after {plural(epochs, 'epoch')} (kept in the plot)"
                if epochs
                else "in its first epoch (nothing to plot)"
            )
            self.say(
                f"Run {len(self.runs)} stopped by Interrupt {kept}. "
                "The panel is ready."
            )
        elif run.get("learned_nothing"):
            self.say(
                f"Run {len(self.runs)} learned nothing in "
                f"{plural(epochs, 'epoch')}: {run['learned_nothing']}.",
                problem=True,
            )
        elif run.get("learning_slowly"):
            self.say(
                f"Run {len(self.runs)} done, but learning slowly: after "
                f"{plural(epochs, 'epoch')} {run['learning_slowly']}."
            )
        elif run.get("problem"):
            self.say(run["problem"], problem=True)
        elif "message" in run:
            self.say(run["message"])
        elif epochs:
            last = {key: values[-1] for key, values in run["history"].items()}
            shown = "val_accuracy" if "val_accuracy" in last else "loss"
            what = shown.replace("_", " ").replace("val ", "validation ")
            self.say(
                f"Run {len(self.runs)} done: {what} "
                f"{last[shown]:.3f} after {plural(epochs, 'epoch')}."
            )
        else:
            self.say("")

    def redraw(self):
        run = self.current or {}
        figure = run.pop("figure", None)  # shown once, not kept with the run
        if figure is None and run.get("history") and (self.draw or self.curves):
            figure = (
                self.draw(self.runs)
                if self.draw
                else plot_runs(self.runs, self.curves, self.label)
            )
        if figure is not None:
            plt.close(figure)  # shown inside the panel, not below the cell
            self.plot.outputs = ()
            self.plot.append_display_data(figure)
        self.table.value = run.get("html", self.table.value)

    def __repr__(self):  # short and stable, instead of the widget tree
        shown = ", ".join(
            f"{key}={value:g}"
            if isinstance(value, float)
            else f"{key}={value!r}"
            for key, value in self.settings().items()
        )
        runs = f", runs={len(self.runs)}" if hasattr(self, "button") else ""
        return f"{self.name}({shown}{runs})"
