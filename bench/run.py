"""`make bench`: run every bench/*.py script that defines `main()` and print its figures.

    .venv/bin/python bench/run.py [name ...]      # e.g. `bench/run.py backup_full`

Each script runs in its own process (so one script's memory or state cannot skew
another's), with its own defaults; set a script's environment knobs (BENCH_RECORDS,
...) before `make bench` to change them. Benchmarks print; they never fail on a time.
"""

import ast
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def has_main(path: Path) -> bool:
    tree = ast.parse(path.read_text(), filename=str(path))
    return any(isinstance(node, ast.FunctionDef) and node.name == "main" for node in tree.body)


def scripts(names: list[str]) -> list[Path]:
    found = [p for p in sorted(HERE.glob("*.py")) if p.name != "run.py" and has_main(p)]
    if names:
        found = [p for p in found if p.stem in names]
    return found


def run(path: Path) -> int:
    code = (
        "import importlib.util, sys; "
        f"sys.argv = [{str(path)!r}]; "
        f"spec = importlib.util.spec_from_file_location('bench_script', {str(path)!r}); "
        "module = importlib.util.module_from_spec(spec); spec.loader.exec_module(module); "
        "module.main()"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=False).returncode


def main() -> int:
    selected = scripts(sys.argv[1:])
    if not selected:
        print("No benchmark matches.", file=sys.stderr)
        return 2
    failed = []
    for path in selected:
        print(f"\n### {path.name}", flush=True)
        started = time.monotonic()
        if run(path) != 0:
            failed.append(path.name)
        print(f"### {path.name} took {time.monotonic() - started:.0f} s", flush=True)
    if failed:
        print(f"\nThese benchmarks did not finish: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
