"""Static checks of a dynamic provider definition, done in the server without running the code:
syntax (with line and column), the class shape the runtime needs, `config_schema` well-formedness,
and a config against that schema. Whether `required_dependencies` import is checked inside a
sandbox (`SandboxPool.check_dependencies`), because that is where the code will run."""

import ast
import re
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator, SchemaError
from jsonschema.validators import validator_for
from referencing import Registry, Resource
from referencing.exceptions import Unresolvable

CHAT_ARGS = ("messages", "system_prompt", "model", "params")
_DEPENDENCY = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.\-]*)\s*(?:\[[^\]]*\])?\s*(?:[<>=!~].*)?$")


@dataclass(frozen=True, slots=True)
class Issue:
    kind: str  # syntax | structure | config_schema | dependencies | validation_code | config
    message: str
    line: int | None = None
    column: int | None = None


@dataclass
class CodeReport:
    provider_class: str | None = None
    methods: dict[str, str] = field(default_factory=dict)  # name -> "async def" | "def" | "async generator"
    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)

    @property
    def parsed(self) -> bool:
        return not any(i.kind == "syntax" for i in self.errors)


def _syntax_issue(exc: SyntaxError, kind: str = "syntax") -> Issue:
    where = f" (line {exc.lineno}, column {exc.offset})" if exc.lineno else ""
    return Issue(kind, f"{exc.msg}{where}", exc.lineno, exc.offset)


def parse(code: str, kind: str = "syntax") -> tuple[ast.Module | None, Issue | None]:
    try:
        return ast.parse(code, filename="provider.py"), None
    except SyntaxError as exc:
        return None, _syntax_issue(exc, kind)
    except ValueError as exc:  # e.g. a NUL byte in the source
        return None, Issue(kind, f"the code cannot be parsed: {exc}")


def check_code(code: str) -> CodeReport:
    report = CodeReport()
    tree, issue = parse(code)
    if tree is None:
        report.errors.append(issue)  # type: ignore[arg-type]
        return report
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    chosen = _declared_class(tree)
    candidates = [c for c in classes.values() if {"chat", "stream"} & set(_methods(c, classes))]
    if chosen is not None:
        if chosen not in classes:
            report.errors.append(Issue("structure", f"PROVIDER_CLASS names {chosen}, which the code does not define"))
            return report
        cls = classes[chosen]
    elif len(candidates) == 1:
        cls = candidates[0]
    else:
        found = ", ".join(c.name for c in candidates)
        message = (f"found several provider classes ({found}): keep one, or set PROVIDER_CLASS = TheOne"
                   if candidates else "no provider class: define one class with async def chat(self, messages, "
                   "system_prompt, model, params) and async def stream(...)")
        report.errors.append(Issue("structure", message, candidates[1].lineno if len(candidates) > 1 else None))
        return report
    report.provider_class = cls.name
    _check_methods(cls, _methods(cls, classes), report)
    return report


def _declared_class(tree: ast.Module) -> str | None:
    for node in tree.body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "PROVIDER_CLASS"
                                                 for t in node.targets) and isinstance(node.value, ast.Name)):
            return node.value.id
    return None


def _methods(cls: ast.ClassDef, classes: dict[str, ast.ClassDef],
             seen: frozenset[str] = frozenset()) -> dict[str, ast.FunctionDef | ast.AsyncFunctionDef]:
    """Methods of `cls`, including those inherited from classes defined in the same code."""
    found: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
    for base in cls.bases:
        if isinstance(base, ast.Name) and base.id in classes and base.id not in seen:
            found.update(_methods(classes[base.id], classes, seen | {cls.name}))
    found.update({n.name: n for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))})
    return found


def _takes(fn: ast.FunctionDef | ast.AsyncFunctionDef, names: tuple[str, ...]) -> bool:
    positional = len(fn.args.posonlyargs) + len(fn.args.args) - 1  # without self
    return fn.args.vararg is not None or positional >= len(names)


def _is_generator(fn: ast.AST) -> bool:
    for node in ast.walk(fn):
        if isinstance(node, (ast.Yield, ast.YieldFrom)) and _owner(fn, node):
            return True
    return False


def _owner(fn: ast.AST, target: ast.AST) -> bool:
    # A yield inside a nested function does not make `fn` a generator.
    for node in ast.iter_child_nodes(fn):
        if node is target:
            return True
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        if _owner(node, target):
            return True
    return False


def _check_methods(cls: ast.ClassDef, methods: dict[str, Any], report: CodeReport) -> None:
    signature = "(self, messages, system_prompt, model, params)"
    for name in ("chat", "stream"):
        fn = methods.get(name)
        if fn is None:
            report.errors.append(Issue("structure", f"class {cls.name} has no {name}() method: add "
                                       f"async def {name}{signature}", cls.lineno))
            continue
        is_async = isinstance(fn, ast.AsyncFunctionDef)
        report.methods[name] = ("async generator" if is_async and _is_generator(fn) else
                                "async def" if is_async else "def")
        if not is_async:
            report.errors.append(Issue("structure", f"{cls.name}.{name}() must be async: write "
                                       f"async def {name}{signature}", fn.lineno, fn.col_offset + 1))
        elif not _takes(fn, CHAT_ARGS):
            report.errors.append(Issue("structure", f"{cls.name}.{name}() must accept {signature}",
                                       fn.lineno, fn.col_offset + 1))
        elif name == "stream" and not _is_generator(fn):
            report.warnings.append(Issue("structure", f"{cls.name}.stream() has no yield: it must return an "
                                         "async iterator of text deltas (an async generator is simplest)",
                                         fn.lineno, fn.col_offset + 1))
    init = methods.get("__init__")
    if init is not None and not _takes(init, ("config",)):
        report.errors.append(Issue("structure", f"{cls.name}.__init__() must accept (self, config)",
                                   init.lineno, init.col_offset + 1))


def check_validation_code(code: str | None) -> list[Issue]:
    if not code or not code.strip():
        return []
    tree, issue = parse(code, "validation_code")
    if tree is None:
        return [issue]  # type: ignore[list-item]
    if not any(isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n.name == "validate" for n in tree.body):
        return [Issue("validation_code", "validation_code must define validate(provider, config, model)")]
    return []


def _remote_refs(node: Any) -> list[str]:
    """`$ref`s that point outside the schema itself (a URL or another file)."""
    if isinstance(node, dict):
        own = [node["$ref"]] if isinstance(node.get("$ref"), str) and not node["$ref"].startswith("#") else []
        return own + [r for value in node.values() for r in _remote_refs(value)]
    if isinstance(node, list):
        return [r for value in node for r in _remote_refs(value)]
    return []


def _no_retrieval(uri: str) -> Resource[Any]:
    # jsonschema would otherwise fetch a remote $ref itself, from the server, past the sandbox's
    # allow-list and on the event loop.
    raise Unresolvable(uri)


_LOCAL_ONLY: Registry[Any] = Registry(retrieve=_no_retrieval)  # type: ignore[call-arg]


def check_config_schema(schema: Any) -> list[Issue]:
    if schema in (None, {}):
        return []
    if not isinstance(schema, dict):
        return [Issue("config_schema", "config_schema must be a JSON Schema object, e.g. "
                      '{"type": "object", "properties": {...}}')]
    remote = _remote_refs(schema)
    if remote:
        return [Issue("config_schema", f"config_schema may only use local $ref ('#/...'), not {remote[0]!r}: "
                      "put the definitions in the schema itself")]
    try:
        validator_for(schema, default=Draft202012Validator).check_schema(schema)
    except SchemaError as exc:
        path = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        return [Issue("config_schema", f"config_schema is not a valid JSON Schema at {path}: {exc.message}")]
    if schema.get("type", "object") != "object":
        return [Issue("config_schema", 'config_schema must describe an object: set "type": "object"')]
    return []


def config_errors(schema: dict[str, Any], config: dict[str, Any]) -> list[str]:
    """Why `config` does not satisfy `schema` (empty when it does). Messages never echo values,
    because the config holds the API key."""
    if not schema:
        return []
    validator = validator_for(schema, default=Draft202012Validator)(schema, registry=_LOCAL_ONLY)
    out = []
    try:
        errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    except Unresolvable as exc:  # jsonschema wraps reference failures in a subclass of it
        return [f"config_schema has a $ref that cannot be resolved ({exc.ref}): fix the provider's config_schema"]
    for error in errors:
        where = "/".join(str(p) for p in error.absolute_path) or "config"
        out.append(f"{where}: fails '{error.validator}' ({error.validator_value!r})"
                   if error.validator not in ("required", "additionalProperties") else
                   f"{where}: {error.message}")
    return out


def dependency_names(entries: list[str]) -> tuple[list[str], list[Issue]]:
    """Import names of `required_dependencies` ("httpx", "httpx>=0.27" and "google-genai" are
    accepted; dashes become underscores); malformed entries are reported."""
    names, issues = [], []
    for entry in entries:
        match = _DEPENDENCY.match(entry) if isinstance(entry, str) else None
        if match is None:
            issues.append(Issue("dependencies", f"{entry!r} is not a package name (e.g. 'httpx' or 'httpx>=0.27')"))
            continue
        names.append(match.group(1).replace("-", "_"))
    return names, issues
