"""The command line: zoo list / show, errors, and lazy imports."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from deepmotif_arch.cli.main import app
from deepmotif_arch.zoo.architectures import list_models

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, list(args), env={"COLUMNS": "200"})


def test_version():
    result = invoke("--version")
    assert result.exit_code == 0 and "deepmotif-arch" in result.output


def test_zoo_list_table():
    result = invoke("zoo", "list", "--flavor", "paper")
    assert result.exit_code == 0, result.output
    for name in list_models():
        assert name in result.output
    assert "CNN-25 (120)" in result.output and "cnn_2_1" in result.output
    assert "159,852" in result.output  # cnn-25 at L=200 (the paper's formula)
    assert "50/2,50" in result.output  # CNN-50-2's overlapping pool
    # the default is the released code's: BatchNorm after the dense layer, CNN-50-2 smaller
    released = invoke("zoo", "list").output
    assert "released flavor" in released and "161,388" in released and "26,092" in released
    # not a terminal: one whole line per model, cells separated by tabs
    assert "cnn-50-2\tCNN-50-2\tcnn_50_2\t30x19,64x5\t50/2,50\t26,092" in released


def test_zoo_list_json_and_markdown():
    result = invoke("zoo", "list", "--format", "json", "--length", "1000")
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert [r["name"] for r in rows] == list_models()
    assert all(r["input_length"] == 1000 for r in rows)
    md = invoke("zoo", "list", "--format", "markdown")
    assert md.exit_code == 0
    lines = md.output.strip().splitlines()
    assert lines[0].startswith("| Name") and len(lines) == 2 + len(list_models())


@pytest.mark.backend
def test_zoo_show_receptive_field_and_uncertainty():
    result = invoke("zoo", "show", "cnn-25", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    layers = {row["layer"]: row for row in data["layers"]}
    assert layers["conv1_relu"]["receptive_field"] == 19
    assert layers["conv1_pool"]["spatial_uncertainty"] == 25
    assert layers["conv2_pool"]["receptive_field"] == 218
    assert layers["conv2_dropout"]["spatial_uncertainty"] == 100
    assert layers["conv2_pool"]["output_shape"] == [2, 128]
    assert layers["dense"]["receptive_field"] is None
    assert data["parameters"]["total"] == 161_388  # the released flavor's dense BatchNorm
    paper = json.loads(invoke("zoo", "show", "cnn-25", "--flavor", "paper", "--format",
                              "json").output)
    assert paper["parameters"]["total"] == 159_852


@pytest.mark.backend
@pytest.mark.parametrize("name", ["cnn-25", "CNN-25 (60)", "cnn_2_1", "cnn-1-1-100"])
def test_zoo_show_table(name):
    result = invoke("zoo", "show", name)
    assert result.exit_code == 0, result.output
    assert "Receptive" in result.output and "uncertainty" in result.output
    assert "conv1_relu" in result.output


@pytest.mark.backend
def test_activation_option_names_the_variant():
    result = invoke("zoo", "show", "cnn-2", "--activation", "exp", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["spec"]["name"] == "cnn-2-exp"
    assert data["spec"]["blocks"][0]["activation"] == "exponential"
    assert [b.get("activation", "relu") for b in data["spec"]["blocks"][1:]] == ["relu"]
    same = json.loads(invoke("zoo", "show", "cnn-2-exp", "--format", "json").output)
    assert same["spec"] == data["spec"]
    custom = invoke("zoo", "show", "--filters", "30,128", "--kernels", "19,5", "--pools",
                    "4,25", "--activation", "tanh", "--format", "json")
    assert json.loads(custom.output)["spec"]["blocks"][0]["activation"] == "tanh"


def test_zoo_show_custom_variants():
    result = invoke("zoo", "show", "cnn-25", "--filters", "64,128", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["spec"]["blocks"][0]["filters"] == 64
    result = invoke("zoo", "show", "--filters", "30,128,128", "--kernels", "19,5,5",
                    "--pools", "1,1,100", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["spec"]["name"] == "custom" and len(data["spec"]["blocks"]) == 3


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["zoo", "show", "cnn-26"], "cnn-25"),
        (["zoo", "show", "cnn-100", "--length", "50"], "input_length >= 100"),
        (["zoo", "show", "cnn-25", "--filters", "30,x"], "'30,x'"),
        (["zoo", "show", "cnn-25", "--filters", "30,64,64"], "needs kernels, pools"),
        (["zoo", "show", "--filters", "30,128"], "missing --kernels, --pools"),
        (["zoo", "show", "cnn-25", "--flavor", "tf1"], "'tf1' is not one of"),
        (["zoo", "list", "--length", "0"], "input_length"),
        (["zoo", "show", "cnn-2", "--activation", "swish"], "activation 'swish' is not"),
        (["train", "cnn-2", "--activation", "swish"], "activation 'swish' is not"),
    ],
)
def test_user_errors_exit_2_without_traceback(args, needle):
    result = invoke(*args)
    assert result.exit_code == 2, result.output
    assert needle in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", [["train"], ["evaluate"], ["match"], ["logos"],
                                     ["data", "build"], ["zoo", "show"], ["--help"]])
def test_help_shows_choices_and_no_type_noise(command):
    result = runner.invoke(app, [*command, "--help"] if command != ["--help"] else command,
                           env={"COLUMNS": "80"})
    assert result.exit_code == 0, result.output
    assert "<bool>" not in result.output  # flags take no value
    if command == ["train"]:
        assert "<released|paper>" in result.output and "[default: released]" in result.output
        assert "mixed_bfloat16" in result.output and "<auto|on|off>" in result.output
    if command == ["evaluate"]:
        assert "validation" in result.output and "Sequences per forward pass" in result.output


@pytest.mark.parametrize("args", [["evaluate", "{tmp}/nothere.keras"],
                                  ["data", "build", "koo_invivo", "--manual-dir", "{tmp}/no"]])
def test_missing_files_are_refused_before_the_framework_import(args, tmp_path):
    argv = [a.format(tmp=tmp_path) for a in args]
    code = ("import sys\nfrom deepmotif_arch.cli.main import main\n"
            f"sys.argv = ['deepmotif', *{argv!r}]\ntry:\n    main()\n"
            "except SystemExit as e:\n    print('exit', e.code)\n"
            "print('keras imported' if 'keras' in sys.modules else 'no keras')\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert "exit 2" in out.stdout and "no keras" in out.stdout, out.stdout + out.stderr
    assert "does not exist" in out.stderr and "Traceback" not in out.stderr


def test_unknown_model_in_a_real_process():
    out = subprocess.run([sys.executable, "-m", "deepmotif_arch.cli.main", "zoo", "show",
                          "cnn-26"], capture_output=True, text=True)
    assert out.returncode == 2
    assert "did you mean" in out.stderr and "cnn-25" in out.stderr
    assert "Traceback" not in out.stderr


def test_import_and_help_do_not_load_keras():
    code = (
        "import sys, deepmotif_arch, deepmotif_arch.cli.main as m; "
        "from typer.testing import CliRunner; "
        "r = CliRunner().invoke(m.app, ['--help']); assert r.exit_code == 0, r.output; "
        "r = CliRunner().invoke(m.app, ['zoo', 'list']); assert r.exit_code == 0, r.output; "
        "heavy = [k for k in ('keras', 'tensorflow', 'jax', 'torch') if k in sys.modules]; "
        "print(','.join(heavy))"
    )
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == ""
