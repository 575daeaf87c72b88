"""Command-line options generated from a configuration dataclass, so help and config cannot disagree.

Every field of ``EvolveConfig`` becomes an option: its name (``weight_mutation_rate`` ->
``--weight-mutation-rate``; a nested dataclass such as ``space`` gives ``--space-units``), its type,
its docstring (the string literal under the field in the source) and its default, resolved the way
the config resolves it for each mode ("0.05 in hybrid and architecture, 0.5 in weights").
Options default to "not given", so only what the user types overrides the config (or --config).
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
import textwrap
import types
import typing
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class ConfigOption:
    """One command-line option standing for one (possibly nested) config field."""

    path: tuple[str, ...]
    """Field names from the top config down, e.g. ("space", "units")."""
    kind: type
    """int, float, str or bool; for tuples, the element type."""
    is_tuple: bool
    """A tuple field, given on the command line as comma-separated values."""
    doc: str
    """The field's docstring, on one line."""
    default: str
    """The default as help shows it, resolved per mode where it differs."""

    @property
    def param(self) -> str:
        return "_".join(self.path)

    @property
    def flag(self) -> str:
        return "--" + self.param.replace("_", "-")

    @property
    def metavar(self) -> str:
        name = {int: "INT", float: "FLOAT", str: "TEXT", bool: ""}[self.kind]
        return f"{name},{name},..." if self.is_tuple else name

    @property
    def help(self) -> str:
        return f"{self.doc} [default: {self.default}]"

    def parse(self, raw):
        """The config value for what was typed (already typed by click unless a tuple)."""
        if not self.is_tuple:
            return raw
        from ..errors import SnakeAIError

        parts = [t.strip() for t in str(raw).split(",") if t.strip()]
        try:
            values = tuple(self.kind(t) for t in parts)
        except ValueError:
            raise SnakeAIError(f"{self.flag} takes comma-separated {self.metavar.split(',')[0].lower()} values "
                               f"like {self._example()}, got {raw!r}") from None
        if not values:
            raise SnakeAIError(f"{self.flag} needs at least one value, like {self._example()}")
        return values

    def _example(self) -> str:
        return {int: "9,15", float: "0.1,0.2", str: "relu,tanh"}.get(self.kind, "a,b")


def field_docs(cls) -> dict[str, str]:
    """Attribute docstrings of a dataclass (the string literal under each field), read from its source."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__[:-1]):
        try:
            tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        except (OSError, TypeError):
            continue
        body = tree.body[0].body if tree.body and isinstance(tree.body[0], ast.ClassDef) else []
        for stmt, nxt in zip(body, body[1:]):
            if (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) and isinstance(nxt, ast.Expr)
                    and isinstance(nxt.value, ast.Constant) and isinstance(nxt.value.value, str)):
                docs[stmt.target.id] = " ".join(nxt.value.value.split())
    return docs


def _scalar(tp):
    """(kind, is_tuple, optional) of a supported annotation, or None."""
    optional = False
    if isinstance(tp, types.UnionType) or typing.get_origin(tp) is typing.Union:
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        if len(args) != 1:
            return None
        tp, optional = args[0], True
    if tp in (int, float, str, bool):
        return tp, False, optional
    if typing.get_origin(tp) is tuple:
        args = typing.get_args(tp)
        if len(args) == 2 and args[1] is Ellipsis and args[0] in (int, float, str):
            return args[0], True, optional
    return None


def _show(value) -> str:
    if isinstance(value, tuple):
        return ",".join(map(str, value))
    if isinstance(value, bool):
        return "on" if value else "off"
    return str(value)


def _resolved_default(per_mode: dict[str, object]) -> str:
    """'0.2', or '0.05 in hybrid and architecture, 0.5 in weights' where the modes differ."""
    groups: dict[str, list[str]] = {}
    for mode, value in per_mode.items():
        groups.setdefault(_show(value), []).append(mode)
    if len(groups) == 1:
        return next(iter(groups))
    return ", ".join(f"{v} in {' and '.join(modes)}" for v, modes in groups.items())


def config_options(cls, instances: dict[str, object], default, prefix: tuple[str, ...] = ()) -> list[ConfigOption]:
    """Options for every supported field of ``cls``; ``instances`` maps a mode to a config of that
    mode, ``default`` is the default config (nested dataclasses recurse). Fields of other types are
    left to the config file."""
    hints = typing.get_type_hints(cls)
    docs = field_docs(cls)
    out = []
    for f in dataclasses.fields(cls):
        per_mode = {m: getattr(obj, f.name) for m, obj in instances.items()}
        if f.name == "mode" and not prefix:  # the mode's own default is the default config's
            per_mode = {"": getattr(default, f.name)}
        tp = hints[f.name]
        if dataclasses.is_dataclass(tp):
            out += config_options(tp, per_mode, getattr(default, f.name), prefix + (f.name,))
            continue
        s = _scalar(tp)
        if s is None:
            continue
        kind, is_tuple, optional = s
        doc = docs.get(f.name, "")
        if optional and f.default is None:
            # "None: 0.05 for hybrid ..." explains the resolution that the default below shows
            doc = re.sub(r"[;,.]?\s*None:.*$", "", doc).rstrip() + "."
        out.append(ConfigOption(prefix + (f.name,), kind, is_tuple, doc, _resolved_default(per_mode)))
    return out


@lru_cache(maxsize=None)
def evolve_options() -> tuple[ConfigOption, ...]:
    """The options of ``snake-ai evolve`` that stand for EvolveConfig fields."""
    from ..evolution.config import MODES, EvolveConfig

    return tuple(config_options(EvolveConfig, {m: EvolveConfig(mode=m) for m in MODES}, EvolveConfig()))


def overrides(values: dict[str, object]) -> dict:
    """Given option values (param name -> value or None) -> nested field overrides for the config."""
    out: dict = {}
    for opt in evolve_options():
        raw = values.get(opt.param)
        if raw is None:
            continue
        node = out
        for name in opt.path[:-1]:
            node = node.setdefault(name, {})
        node[opt.path[-1]] = opt.parse(raw)
    return out


def apply(cfg, nested: dict):
    """``cfg`` with nested overrides applied (dataclasses.replace at each level)."""
    kw = {}
    for name, value in nested.items():
        kw[name] = apply(getattr(cfg, name), value) if isinstance(value, dict) else value
    return dataclasses.replace(cfg, **kw)


def build(cls, nested: dict):
    """A new ``cls`` from nested overrides; fields not given keep their defaults (and mode-dependent
    defaults resolve as the config resolves them)."""
    kw = {}
    for f in dataclasses.fields(cls):
        if f.name not in nested:
            continue
        value = nested[f.name]
        if isinstance(value, dict):
            base = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
            value = apply(base, value)
        kw[f.name] = value
    return cls(**kw)
