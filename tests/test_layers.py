"""The import contracts (``[tool.importlinter]`` in pyproject.toml) hold on the tree, and each
one breaks when a back-import is added: ``lint-imports`` runs on a copy with one import more."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("sop", "gateway", "services", "shared")
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(tree: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--config", str(tree / "pyproject.toml")],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": str(Path(sys.executable).parent)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("tree")
    shutil.copy(ROOT / "pyproject.toml", tree)
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tree / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return tree


def test_the_tree_keeps_every_contract(pristine: Path) -> None:
    result = lint_imports(pristine)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "back_import", "contract"),
    [
        ("shared/periods.py", "import gateway.main", "shared is below all"),
        ("services/demand/plans/service.py", "import services.supply.main", "independent"),
        ("gateway/solver/lp.py", "import gateway.plans.models", "only downwards"),
        ("gateway/plans/service.py", "import gateway.reconcile.service", "only downwards"),
        ("gateway/cycle/service.py", "import gateway.graph.schema", "only downwards"),
        ("gateway/solver/optimise.py", "import sqlmodel", "The solver is pure"),
        ("gateway/reconcile/service.py", "import strawberry", "GraphQL lives in gateway.graph"),
    ],
)
def test_a_back_import_breaks_its_contract(
    pristine: Path, tmp_path: Path, module: str, back_import: str, contract: str
) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(pristine, tree)
    target = tree / module
    target.write_text(target.read_text() + f"\n{back_import}  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    broken = [line for line in result.stdout.splitlines() if line.endswith("BROKEN")]
    assert any(contract in line for line in broken), result.stdout
