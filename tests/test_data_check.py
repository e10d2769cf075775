"""The data manifest, its checker, and the message a learner gets when data cannot be had."""
import os
import shutil
import subprocess
import sys

import pytest

from notebooks import REPO

sys.path.insert(0, str(REPO / "data"))
sys.path.insert(0, str(REPO / "scripts"))
import check_data  # noqa: E402
from shared_cells import LOAD_FASHION_MNIST, LOAD_PRETRAINED  # noqa: E402

FASHION = [e for e in check_data.manifest_entries() if "fashion-mnist" in e["path"]]


@pytest.fixture(scope="module")
def source():
    found = check_data.default_source()
    if found is None:
        pytest.skip("no pre-filled cache beside the repository (../shared/data/keras)")
    return found


def test_manifest_lists_unique_relative_paths_with_sha256():
    entries = check_data.manifest_entries()
    paths = [e["path"] for e in entries]
    assert len(paths) == len(set(paths)) and len(FASHION) == 4
    for entry in entries:
        assert not entry["path"].startswith("/") and ".." not in entry["path"]
        assert len(entry["sha256"]) == 64 and entry["bytes"] > 0


def test_prefilled_cache_matches_the_manifest(source):
    assert check_data.find_problems(source) == []


def test_damaged_and_missing_files_are_named_with_what_to_do(source, tmp_path):
    home = check_data.prepare_cache(source, tmp_path / "home")
    damaged = home / FASHION[0]["path"]
    damaged.write_bytes(damaged.read_bytes()[:1000])  # an interrupted download
    (home / FASHION[1]["path"]).unlink()
    problems = check_data.find_problems(home)
    assert problems == [f"damaged: {FASHION[0]['path']} has 1,000 bytes, expected {FASHION[0]['bytes']:,}",
                        f"missing: {FASHION[1]['path']}"]
    message = check_data.explain(problems, home)
    assert "What to do:" in message and "delete the damaged files" in message
    with pytest.raises(RuntimeError, match="not usable"):
        check_data.prepare_cache(home, tmp_path / "copy")  # a damaged source is refused, not used


def test_same_size_but_different_bytes_is_caught(source, tmp_path):
    home = check_data.prepare_cache(source, tmp_path / "home")
    label_file = home / FASHION[1]["path"]
    data = bytearray(label_file.read_bytes())
    data[-10] ^= 0xFF
    label_file.write_bytes(bytes(data))
    assert check_data.find_problems(home) == [f"damaged: {FASHION[1]['path']} has the right size but the wrong SHA-256"]


def test_command_line_exit_status_and_message(tmp_path):
    script = REPO / "data" / "check_data.py"
    bad = subprocess.run([sys.executable, script, "--keras-home", tmp_path], capture_output=True, text=True)
    assert bad.returncode == 1 and "missing: datasets/fashion-mnist/train-images-idx3-ubyte.gz" in bad.stderr


def _run_loader(keras_home, cell=LOAD_FASHION_MNIST, call="load_fashion_mnist()"):
    """Run a notebooks' loader cell in a fresh Python with no network, as a learner offline would."""
    program = "import os, keras\n" + cell + "\n" + call + "\n"
    env = dict(os.environ, KERAS_HOME=str(keras_home), TF_CPP_MIN_LOG_LEVEL="3",
               # every download goes through a proxy on a closed local port: refused at once
               http_proxy="http://127.0.0.1:9", https_proxy="http://127.0.0.1:9",
               HTTP_PROXY="http://127.0.0.1:9", HTTPS_PROXY="http://127.0.0.1:9", no_proxy="", NO_PROXY="")
    return subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, env=env, timeout=300)


def _assert_clear_message(result, headline="RuntimeError: Could not load Fashion-MNIST."):
    assert result.returncode != 0
    tail = result.stderr[result.stderr.rindex("Traceback"):]
    assert headline in tail
    assert "What to do: connect to the internet" in tail
    # readers without Google's storage (much of mainland China) are sent to the page
    # that says how to get the files by other means, in both editions
    assert "'Getting the files by other means'" in tail and "how_to_use.md" in tail
    assert "keras/src" not in tail, "the learner should not see a traceback from inside Keras"


def test_loader_without_data_or_network_says_what_to_do(tmp_path):
    result = _run_loader(tmp_path)
    _assert_clear_message(result)
    assert "URL fetch failure" in result.stderr  # Keras's own reason is passed on in one line


def test_loader_with_a_truncated_file_says_what_to_do(source, tmp_path):
    for entry in FASHION:
        (tmp_path / entry["path"]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(source / entry["path"], tmp_path / entry["path"])
    images = tmp_path / FASHION[0]["path"]
    images.write_bytes(images.read_bytes()[: FASHION[0]["bytes"] // 2])
    result = _run_loader(tmp_path)
    _assert_clear_message(result)
    assert "delete that folder first" in result.stderr


MOBILENET = "keras.applications.MobileNet, alpha=0.25, input_shape=(128, 128, 3)"
MOBILENET_FILE = next(e for e in check_data.manifest_entries() if e["path"].endswith("mobilenet_2_5_128_tf.h5"))


# Chapter 6's headless base for transfer learning: the no-top weights file.
MOBILENET_V2_NO_TOP = 'keras.applications.MobileNetV2, alpha=0.35, include_top=False, pooling="avg"'


@pytest.mark.parametrize("builder, name", [(MOBILENET, "MobileNet"),
                                           (MOBILENET_V2_NO_TOP, "MobileNetV2")])
def test_pretrained_weights_without_cache_or_network_say_what_to_do(tmp_path, builder, name):
    result = _run_loader(tmp_path, LOAD_PRETRAINED, f"load_pretrained({builder})")
    _assert_clear_message(result, f"RuntimeError: Could not get the ImageNet weights of {name}.")


def test_pretrained_weights_from_a_damaged_file_say_what_to_do(source, tmp_path):
    target = tmp_path / MOBILENET_FILE["path"]
    target.parent.mkdir(parents=True)
    target.write_bytes((source / MOBILENET_FILE["path"]).read_bytes()[:100_000])  # interrupted download
    result = _run_loader(tmp_path, LOAD_PRETRAINED, f"load_pretrained({MOBILENET})")
    _assert_clear_message(result, "RuntimeError: Could not get the ImageNet weights of MobileNet.")
    assert "delete the half-written file" in result.stderr


def test_pretrained_weights_from_the_cache_load_offline(source, tmp_path):
    home = check_data.prepare_cache(source, tmp_path / "home")
    result = _run_loader(home, LOAD_PRETRAINED, f"print(load_pretrained({MOBILENET}).count_params())")
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("475544")


def test_headless_pretrained_base_from_the_cache_loads_offline(source, tmp_path):
    home = check_data.prepare_cache(source, tmp_path / "home")
    program = (f"base = load_pretrained({MOBILENET_V2_NO_TOP})\n"
               "print(base.output.shape, base.count_params())")
    result = _run_loader(home, LOAD_PRETRAINED, program)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("(None, 1280) 410208")


def test_the_page_the_loaders_point_to_exists():
    page = (REPO / "how_to_use.md").read_text(encoding="utf-8")
    assert "\n## Getting the files by other means\n" in page
    for entry in check_data.manifest_entries():  # the page's advice works for every file
        assert entry["path"].split("/")[0] in ("datasets", "models")
