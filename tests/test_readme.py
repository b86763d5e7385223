"""The README's Python snippets run as written.

Every ```python block of README.md runs, in order, in one fresh Python process, each in a
namespace of its own, from an empty temporary folder, with ``TFDS_DATA_DIR`` pointing at
another (so nothing lands in ``~/tensorflow_datasets``). A block that would take minutes
as written carries, just above its fence, a directive of the form

    <!-- test_readme: OLD => NEW; OLD2 => NEW2 -->

and runs with each OLD replaced by NEW (each must occur in the block, so a directive
that no longer applies fails the test). The Data section's block uses it to train on
``koo_synthetic/tiny`` for one epoch instead of the paper's set for five.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from .helpers import ROOT

_BLOCK = re.compile(r"((?:^<!--[^\n]*-->\n)*)^```python\n(.*?)^```", re.M | re.S)
_DIRECTIVE = re.compile(r"<!--\s*test_readme:(.*?)-->")

_RUNNER = """
import json, sys, traceback
for i, code in enumerate(json.load(sys.stdin)):
    try:
        exec(compile(code, f"README block {i + 1}", "exec"), {"__name__": "__readme__"})
    except BaseException:
        traceback.print_exc()
        sys.exit(f"README block {i + 1} failed:\\n{code}")
    print(f"block {i + 1} ok", flush=True)
"""


def readme_blocks() -> list[str]:
    """The README's Python blocks with their directives applied."""
    blocks = []
    for comments, code in _BLOCK.findall((ROOT / "README.md").read_text(encoding="utf-8")):
        for directive in _DIRECTIVE.findall(comments):
            for rule in filter(str.strip, directive.split(";")):
                old, new = (part.strip() for part in rule.split("=>"))
                assert old in code, f"the directive {rule.strip()!r} does not apply to:\n{code}"
                code = code.replace(old, new)
        blocks.append(code)
    return blocks


def test_readme_has_its_snippets():
    blocks = readme_blocks()
    assert len(blocks) >= 3
    data = next(b for b in blocks if "datasets.load(" in b)
    assert '"koo_synthetic/tiny"' in data and "epochs=1" in data  # the directive applied


def test_readme_python_blocks_run_as_written(tmp_path):
    blocks = readme_blocks()
    work = tmp_path / "cwd"
    work.mkdir()
    env = {**os.environ, "TFDS_DATA_DIR": str(tmp_path / "tfds"), "TF_CPP_MIN_LOG_LEVEL": "3"}
    for name in ("DEEPMOTIF_RELEASES", "DEEPMOTIF_RELEASE_URL"):
        env.pop(name, None)
    proc = subprocess.run([sys.executable, "-c", _RUNNER], input=json.dumps(blocks), cwd=work,
                          env=env, capture_output=True, text=True, timeout=1200)
    assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
    assert proc.stdout.count(" ok") == len(blocks)
    assert (tmp_path / "tfds" / "koo_synthetic" / "tiny").is_dir()
    assert not (tmp_path / "tfds" / "koo_synthetic" / "paper").exists()
