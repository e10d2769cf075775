# @title Panel toolkit
# The same in every chapter that has a panel. A panel = controls + (a button,
# or redraw on change) + a status line + a plot, built on ipywidgets' own
# controls, layouts, `observe` and `Output`. Plots go into the Output with
# `append_display_data`, not `with output:` (that route differs between a live
# notebook and a headless run), so the saved page shows what the kernel drew.
import html
import math

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


def plural(count, noun):
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


class DivergenceGuard(keras.callbacks.Callback):
    """Stop training when the loss is NaN or infinite, or far past its start.

    keras.callbacks.TerminateOnNaN catches only the first; a loss that explodes
    to 1e10 and stays finite needs the second. The loss checked after each
    batch is the one fit reports, the epoch's running mean; the start is the
    first batch's loss, computed with the initial weights, so it is a fair
    yardstick for the run.
    """

    def __init__(self, growth=10.0):
        super().__init__()
        self.growth = growth

    def on_train_begin(self, logs=None):
        self.start, self.reason = None, None

    def on_train_batch_end(self, batch, logs=None):
        loss = float((logs or {}).get("loss", 0.0))
        if self.start is None:
            self.start = loss
        if not math.isfinite(loss):
            self.reason = f"the loss became {loss}"
        elif loss > self.growth * max(self.start, 1e-3):
            self.reason = (
                f"the loss grew from {self.start:.3g} to {loss:.3g}, more than "
                f"{self.growth:g} times where it started"
            )
        if self.reason:
            self.model.stop_training = True


class _LiveRecord(keras.callbacks.Callback):
    """Copy each epoch's numbers into the panel's current run; show progress."""

    def __init__(self, panel, epochs):
        super().__init__()
        self.panel, self.epochs, self.history = panel, epochs, {}

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


def guarded_fit(model, *data, epochs=1, callbacks=(), **fit_options):
    """model.fit, quietly, with a DivergenceGuard; returns the run's record."""
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
    except KeyboardInterrupt:  # the Interrupt button: keep finished epochs
        record["interrupted"] = True
    record.update(history=live.history, stopped=guard.reason)
    return record


def plot_runs(runs, curves=("loss", "val_accuracy"), label=None, last=8):
    """One plot per curve for the last few runs: the newest bold, earlier ones
    thin. A run the guard stopped is drawn dashed and does not set the axes,
    so one diverged run cannot flatten the others into a line at zero."""
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
                + (" (stopped)" if run.get("stopped") else ""),
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


class Panel(widgets.VBox):
    """Controls in; a status line and a figure (or HTML) out; runs in .runs.

    action(**settings) does the work and returns a dict: "figure" and/or
    "html" to show (without a figure, the curves of the runs: plot_runs, or
    draw(runs) if given), "message" (or "problem", shown as a warning) for the
    status line, and for training runs the record of guarded_fit ("history",
    "stopped"). With a `button` the panel works when it is pressed; without
    one, whenever a control changes (for cheap work only).
    panel.run(name=value) does the same from code.
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
        self.status, self.plot, self.table = (
            widgets.HTML(),
            widgets.Output(),
            widgets.HTML(),
        )
        boxes = [
            widgets.HBox([controls[key] for key in row])
            for row in rows or [list(controls)]
        ]
        if button:
            self.button = widgets.Button(
                description=button, button_style="primary", icon="play"
            )
            self.button.on_click(lambda _: self.run())
            boxes.append(self.button)
        else:
            for control in controls.values():
                control.observe(lambda _: self.run(), names="value")
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
        return ", ".join(
            f"{self.controls[key].description} {value:.3g}"
            if isinstance(value, float)
            else f"{self.controls[key].description} {value}"
            for key, value in settings.items()
        )

    def say(self, message, problem=False):
        self.message = message
        style = "color:#b00" if problem else ""
        sign = "⚠ " if problem else ""
        self.status.value = (
            f"<b style='{style}'>{sign}{html.escape(message)}</b>"
        )

    def run(self, **overrides):
        """Check the settings, do the work, show it; return the run's record
        (None when the settings were refused)."""
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
        self.current = {"settings": settings, "history": {}}
        self.runs.append(self.current)
        if hasattr(self, "button"):
            self.say(f"Run {len(self.runs)}: {self.describe(settings)} ...")
        Panel.active = self
        try:
            self.current.update(self.action(**settings) or {})
        except BaseException:
            self.runs.pop()  # a run that raised is not a run to compare with
            raise
        finally:
            Panel.active = None
        self.report(self.current)
        self.redraw()
        return self.current

    def report(self, run):
        epochs = len(run["history"].get("loss", []))
        if run.get("stopped"):
            self.say(
                f"Run {len(self.runs)} stopped in epoch {epochs}: "
                f"{run['stopped']}. Training diverged; {self.advice}.",
                problem=True,
            )
        elif run.get("interrupted"):
            self.say(
                f"Run {len(self.runs)} interrupted after "
                f"{plural(epochs, 'epoch')}."
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
