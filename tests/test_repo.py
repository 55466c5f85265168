"""The repository keeps its promises: layering, the README's commands, offline settings."""

import re
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_core_imports_numpy_only_and_package_never_imports_streamlit():
    core = (ROOT / "gru_viz" / "core.py").read_text()
    imports = set(re.findall(r"^\s*(?:import|from)\s+([a-zA-Z_]+)", core, re.M))
    assert imports <= {"__future__", "io", "json", "zipfile", "dataclasses", "pathlib", "numpy"}, imports
    for module in (ROOT / "gru_viz").glob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+streamlit", module.read_text(), re.M), module.name


def test_importing_the_core_does_not_load_torch():
    code = "import sys, gru_viz.core, gru_viz.figures; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    command = readme.split("<!-- test-command -->", 1)[1].split("```bash\n", 1)[1].split("\n", 1)[0]
    assert command.endswith("python -m pytest") and "requirements-dev.txt" in command
    ci = (ROOT / ".ci" / "run").read_text()
    assert "<!-- test-command -->" in ci and 'eval "$test_command"' in ci
    start = [line for line in readme.splitlines() if "streamlit run app.py" in line]
    assert start and "requirements.txt" in start[0]


def test_requirements_pin_torch_to_the_cpu_build_on_disk():
    reqs = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^torch==2\.13\.0$", reqs, re.M)


def test_streamlit_config_is_classroom_safe():
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["browser"]["gatherUsageStats"] is False
    assert config["server"]["enableXsrfProtection"] is True
    assert config["server"]["fileWatcherType"] == "none"
    assert config["server"]["headless"] is True
    assert 1 <= config["server"]["maxUploadSize"] <= 5


def test_no_unsafe_patterns_in_the_code():
    for path in [*ROOT.glob("*.py"), *(ROOT / "pages").glob("*.py"), *(ROOT / "gru_viz").glob("*.py")]:
        text = path.read_text()
        assert "unsafe_allow_html" not in text, path
        assert not re.search(r"\beval\(|\bexec\(|pickle\.load|allow_pickle=True", text), path


def test_test_modules_have_unique_names():
    names = [p.name for p in (ROOT / "tests").rglob("test_*.py")]
    assert len(names) == len(set(names)), sorted(n for n in names if names.count(n) > 1)
