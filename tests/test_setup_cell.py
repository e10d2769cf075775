"""The setup cell (bookkit/setup_cell.py) on a CPU and, with the device list
faked, on a GPU runtime. No GPU is needed: TensorFlow's TF32 switch and its
op-determinism flag are process settings that can be read back on a CPU.

On a CPU the cell prints exactly its version line (every chapter's committed
output, on every stack). On a GPU it also turns TF32 off, keeps deterministic
ops on, and says both in one more line.
"""
import re
import subprocess
import sys

from notebooks import REPO

SETUP = REPO / "bookkit" / "setup_cell.py"
VERSION_LINE = re.compile(
    r"^TensorFlow \d+\.\d+\.\d+\S*, Keras \d+\.\d+\.\d+\S*, backend: \w+$")

# Runs the cell twice in one fresh interpreter: as it is, then with
# tf.config.list_physical_devices("GPU") answering one (fake) GPU.
PROBE = r"""
import sys
import tensorflow as tf
from tensorflow.python.framework import config as tf_config

source = open(sys.argv[1], encoding="utf-8").read()
code = compile(source, "setup_cell.py", "exec")

def state(label):
    print(f"@@ {label} tf32={tf.config.experimental.tensor_float_32_execution_enabled()}"
          f" determinism={tf_config.is_op_determinism_enabled()}", flush=True)

state("before")
exec(code, {"__name__": "__main__"})
state("cpu")
real = tf.config.list_physical_devices
fake = tf.config.PhysicalDevice(name="/physical_device:GPU:0", device_type="GPU")
tf.config.list_physical_devices = (
    lambda device_type=None: [fake] if device_type == "GPU" else real(device_type))
print("@@ gpu run", flush=True)
exec(code, {"__name__": "__main__"})
state("gpu")
"""


def run_probe(home):
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(SETUP)], cwd=home,
        capture_output=True, text=True, timeout=300,
        env={"PATH": "/usr/bin:/bin", "HOME": str(home),
             "KERAS_BACKEND": "tensorflow"})
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout.splitlines()


def test_setup_cell_on_cpu_and_on_a_faked_gpu(tmp_path):
    lines = run_probe(tmp_path)
    marks = {line.split()[1]: line for line in lines if line.startswith("@@")}
    assert "tf32=True" in marks["before"]  # TensorFlow's default
    cpu = lines[lines.index(marks["before"]) + 1:lines.index(marks["cpu"])]
    gpu = lines[lines.index("@@ gpu run") + 1:lines.index(marks["gpu"])]

    # A CPU: the version line alone (the committed output), TF32 untouched.
    assert len(cpu) == 1 and VERSION_LINE.match(cpu[0]), cpu
    assert marks["cpu"].endswith("tf32=True determinism=True")

    # A GPU: the same version line first, then one plain line; TF32 off,
    # deterministic ops still on.
    assert len(gpu) == 2 and gpu[0] == cpu[0], gpu
    assert gpu[1].startswith("GPU: deterministic ops, TensorFlow's TF32 off")
    assert "UnimplementedError" in gpu[1]
    assert marks["gpu"].endswith("tf32=False determinism=True")


def test_gpu_memory_is_taken_as_needed_here_and_in_worker_processes():
    text = SETUP.read_text(encoding="utf-8")
    position = {name: text.index(name) for name in (
        "TF_FORCE_GPU_ALLOW_GROWTH", "XLA_PYTHON_CLIENT_PREALLOCATE",
        "_import_tensorflow_quietly()\n")}
    # Set before TensorFlow is imported, so the kernel and its children see it.
    assert max(position.values()) == position["_import_tensorflow_quietly()\n"]
