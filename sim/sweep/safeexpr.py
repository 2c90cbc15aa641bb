"""Small, safe expressions over named values: sweep constraints, derived parameters, filters.

``tvs_at >= cm_at + 300``, ``cm_at + gap``, ``technicians == 4 and share < 0.5``: arithmetic
(``+ - * / // %``), comparisons (chains too), ``and``/``or``/``not``, ``min``, ``max``,
``abs``, ``round``, numbers, strings, ``true``/``false`` and the names the caller allows. The
text is parsed with ``ast`` and evaluated by walking the tree here, node type by node type;
anything else (attribute access, subscripts, lambdas, other calls) is refused when the
expression is read, so a sweep file can never run code. Errors are ``ValueError`` with a
one-line reason that the caller attaches to a file, line and key.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sim.scenario.schema import suggest

_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod}
_UNARY: dict[type, Callable[[Any], Any]] = {ast.USub: operator.neg, ast.UAdd: operator.pos,
                                           ast.Not: operator.not_}
_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le,
    ast.Gt: operator.gt, ast.GtE: operator.ge}
_FUNCTIONS: dict[str, Callable[..., Any]] = {"min": min, "max": max, "abs": abs, "round": round}
_CONSTANTS = {"true": True, "false": False}
ALLOWED = ("numbers, strings, names, + - * / // %, comparisons, and/or/not, "
           "min/max/abs/round")


@dataclass(frozen=True)
class Expression:
    """A parsed expression; ``names`` are the value names it uses (in order of appearance)."""

    text: str
    tree: ast.expr
    names: tuple[str, ...]

    @classmethod
    def parse(cls, text: str, allowed: Iterable[str]) -> Expression:
        """Read ``text``; ``ValueError`` if it is not valid or uses a name not in ``allowed``."""
        try:
            tree = ast.parse(text.strip(), mode="eval").body
        except SyntaxError as exc:
            raise ValueError(f"{text!r} is not a valid expression ({exc.msg}); "
                             f"allowed: {ALLOWED}") from None
        known = list(allowed)
        names: list[str] = []
        for node in ast.walk(tree):
            _check_node(node)
            if isinstance(node, ast.Name) and node.id not in _CONSTANTS \
                    and node.id not in _FUNCTIONS:
                if node.id not in known:
                    raise ValueError(f"unknown name '{node.id}' in {text!r}"
                                     f"{suggest(node.id, known)} (names: {', '.join(known)})")
                if node.id not in names:
                    names.append(node.id)
        return cls(text, tree, tuple(names))

    def evaluate(self, values: Mapping[str, Any]) -> Any:
        """The value for ``values``; ``ValueError`` for e.g. a division by zero."""
        try:
            return _eval(self.tree, values)
        except (TypeError, ZeroDivisionError, OverflowError) as exc:
            shown = ", ".join(f"{name}={values[name]!r}" for name in self.names)
            raise ValueError(f"{self.text!r} cannot be computed for {shown}: {exc}") from None


def _check_node(node: ast.AST) -> None:
    """Refuse every node type the evaluator does not handle."""
    allowed = (ast.BinOp, ast.UnaryOp, ast.BoolOp, ast.Compare, ast.Name, ast.Constant,
               ast.Call, ast.Load, ast.And, ast.Or, *_BINARY, *_UNARY, *_COMPARE)
    if not isinstance(node, allowed):
        raise ValueError(f"{type(node).__name__} is not allowed in expressions "
                         f"(allowed: {ALLOWED})")
    if isinstance(node, ast.Constant) and not isinstance(node.value, int | float | str):
        raise ValueError(f"{node.value!r} is not allowed in expressions (allowed: {ALLOWED})")
    if isinstance(node, ast.Call) and (not isinstance(node.func, ast.Name)
                                       or node.func.id not in _FUNCTIONS or node.keywords):
        raise ValueError(f"only {', '.join(_FUNCTIONS)} may be called (allowed: {ALLOWED})")


def _eval(node: ast.expr, values: Mapping[str, Any]) -> Any:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        return _CONSTANTS[node.id] if node.id in _CONSTANTS else values[node.id]
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_eval(node.left, values), _eval(node.right, values))
    if isinstance(node, ast.UnaryOp):
        return _UNARY[type(node.op)](_eval(node.operand, values))
    if isinstance(node, ast.BoolOp):
        results = (_eval(value, values) for value in node.values)
        return all(results) if isinstance(node.op, ast.And) else any(results)
    if isinstance(node, ast.Compare):
        left = _eval(node.left, values)
        for op, right_node in zip(node.ops, node.comparators, strict=True):
            right = _eval(right_node, values)
            if not _COMPARE[type(op)](left, right):
                return False
            left = right
        return True
    assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
    return _FUNCTIONS[node.func.id](*(_eval(arg, values) for arg in node.args))
