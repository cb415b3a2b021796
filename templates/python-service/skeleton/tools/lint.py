"""A small lint with the standard library only: syntax (via compileall in the Makefile) plus these checks.

- unused imports (a name imported but never used; `__init__.py` re-exports are allowed),
- bare `except:` (it also catches KeyboardInterrupt and SystemExit),
- mutable default arguments (a list, dict or set literal shared by every call),
- `print(` in the service package (logs go through app.log as JSON),
- lines longer than 120 characters, trailing whitespace and tab indentation.

Prints `file:line:column: message` for each problem and exits 1 when there is any.
"""

import ast
import sys
from pathlib import Path

MAX_LINE = 120


def check_file(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    problems: list[str] = []

    def report(line: int, col: int, msg: str) -> None:
        problems.append(f"{path}:{line}:{col + 1}: {msg}")

    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE:
            report(number, MAX_LINE, f"line too long: expected at most {MAX_LINE} characters, found {len(line)}")
        if line != line.rstrip():
            report(number, len(line.rstrip()), "trailing whitespace")
        if line.startswith("\t"):
            report(number, 0, "indentation with a tab: expected spaces")

    try:
        tree = ast.parse(text, filename=str(path))
    except SyntaxError as err:
        report(err.lineno or 1, (err.offset or 1) - 1, f"syntax error: {err.msg}")
        return problems

    imported: dict[str, ast.AST] = {}
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                if alias.name == "*":
                    continue
                name = alias.asname or alias.name.split(".")[0]
                imported[name] = node
        elif isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Attribute):
            base = node
            while isinstance(base, ast.Attribute):
                base = base.value
            if isinstance(base, ast.Name):
                used.add(base.id)
        elif isinstance(node, ast.ExceptHandler) and node.type is None:
            report(node.lineno, node.col_offset, "bare except: expected an exception type such as `except Exception:`")
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for default in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
                if isinstance(default, (ast.List, ast.Dict, ast.Set)):
                    report(default.lineno, default.col_offset,
                           "mutable default argument: expected None (and create the value in the function)")
        elif (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
              and path.parts[0] == "app" and path.name != "__main__.py"):
            report(node.lineno, node.col_offset, "print(): expected the JSON logger (app.log)")

    # Names listed in __all__ or used in string annotations count as used.
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            used.update(part for part in node.value.replace("[", " ").replace("]", " ").split() if part.isidentifier())
    if path.name != "__init__.py":
        for name, node in imported.items():
            if name not in used:
                report(node.lineno, node.col_offset, f"unused import: {name}")
    return sorted(problems, key=lambda p: [int(x) if x.isdigit() else x for x in p.split(":")[1:3]])


def main(args: list[str]) -> int:
    paths = [Path(arg) for arg in args or ["."]]
    files = sorted(f for p in paths for f in (p.rglob("*.py") if p.is_dir() else [p]))
    problems = [p for f in files for p in check_file(f)]
    for problem in problems:
        print(problem)
    print(f"lint: {len(files)} files, {len(problems)} problems", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
