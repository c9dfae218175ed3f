"""A small arithmetic evaluator that cannot run code.

The expression is parsed with :mod:`ast` and walked node by node; nothing is handed to
``eval``. Allowed: int and float literals, ``+ - * / // % **``, unary ``+``/``-``,
parentheses, and calls of a few :mod:`math` functions and constants
(:data:`FUNCTIONS`, :data:`CONSTANTS`). Everything else (names, attributes,
subscripts, comprehensions, lambdas, strings, comparisons, ...) is refused.

Guards against expressions that would tie up the CPU or memory: a length cap
(:data:`MAX_LENGTH`), a nesting cap (:data:`MAX_DEPTH`), an exponent cap
(:data:`MAX_EXPONENT`) and a cap on the size of every intermediate result
(:data:`MAX_MAGNITUDE`). Every refusal is a :class:`MathError` with a message meant for
people ("Division by zero", "Unknown name 'os'").
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable
from typing import Any

Number = int | float

MAX_LENGTH = 500
MAX_DEPTH = 256  # a sum of 250 terms nests 250 deep; Python's own limit is near 1000
MAX_EXPONENT = 10_000
MAX_MAGNITUDE = 1e300
_MAX_INT_BITS = 1000  # about MAX_MAGNITUDE; checked before an integer power is computed


class MathError(ValueError):
    """The expression is not allowed or cannot be computed; the message says why."""


def _round(value: Number, digits: Number = 0) -> Number:
    if not isinstance(digits, int):
        raise MathError("round() takes a whole number of digits")
    if abs(digits) > 100:
        raise MathError("round() takes at most 100 digits")
    return round(value, digits)


def _min(*values: Number) -> Number:
    if not values:
        raise MathError("min() needs at least one number")
    return min(values)


def _max(*values: Number) -> Number:
    if not values:
        raise MathError("max() needs at least one number")
    return max(values)


FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int]] = {
    # name: (function, fewest arguments, most arguments)
    "sqrt": (math.sqrt, 1, 1),
    "sin": (math.sin, 1, 1),
    "cos": (math.cos, 1, 1),
    "tan": (math.tan, 1, 1),
    "asin": (math.asin, 1, 1),
    "acos": (math.acos, 1, 1),
    "atan": (math.atan, 1, 1),
    "log": (math.log, 1, 2),
    "log10": (math.log10, 1, 1),
    "log2": (math.log2, 1, 1),
    "exp": (math.exp, 1, 1),
    "abs": (abs, 1, 1),
    "round": (_round, 1, 2),
    "min": (_min, 1, 64),
    "max": (_max, 1, 64),
    "floor": (math.floor, 1, 1),
    "ceil": (math.ceil, 1, 1),
}
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "tau": math.tau}

_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_REFUSED: dict[type[ast.AST], str] = {
    ast.Attribute: "Attribute access is not allowed",
    ast.Subscript: "Indexing is not allowed",
    ast.Lambda: "Lambdas are not allowed",
    ast.ListComp: "Comprehensions are not allowed",
    ast.SetComp: "Comprehensions are not allowed",
    ast.DictComp: "Comprehensions are not allowed",
    ast.GeneratorExp: "Comprehensions are not allowed",
    ast.Compare: "Comparisons are not allowed",
    ast.BoolOp: "'and' and 'or' are not allowed",
    ast.NamedExpr: "Assignments are not allowed",
    ast.JoinedStr: "Strings are not allowed",
}


def evaluate(expression: str) -> Number:
    """The value of an arithmetic expression.

    Raises:
        MathError: The expression is refused or cannot be computed.
    """
    text = expression.strip()
    if not text:
        raise MathError("The expression is empty")
    if len(text) > MAX_LENGTH:
        raise MathError(f"The expression is longer than {MAX_LENGTH} characters")
    try:
        tree = ast.parse(text, mode="eval")
    except SyntaxError as error:
        raise MathError(f"Invalid expression: {error.msg}") from None
    except ValueError as error:  # e.g. a NUL character
        raise MathError(f"Invalid expression: {error}") from None
    except (RecursionError, MemoryError):
        raise MathError("The expression is too deeply nested") from None
    try:
        return _Evaluator().visit(tree.body, 0)
    except RecursionError:
        raise MathError("The expression is too deeply nested") from None


def format_number(value: Number) -> str:
    """A result as people write it: ``4`` not ``4.0``, ``0.3`` not ``0.30000000000000004``."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.15g}"


class _Evaluator:
    def visit(self, node: ast.AST, depth: int) -> Number:
        if depth > MAX_DEPTH:
            raise MathError("The expression is too deeply nested")
        if isinstance(node, ast.Constant):
            return self._constant(node.value)
        if isinstance(node, ast.BinOp):
            left = self.visit(node.left, depth + 1)
            right = self.visit(node.right, depth + 1)
            return _checked(self._binary(node.op, left, right))
        if isinstance(node, ast.UnaryOp):
            operand = self.visit(node.operand, depth + 1)
            if isinstance(node.op, ast.USub):
                return -operand
            if isinstance(node.op, ast.UAdd):
                return +operand
            raise MathError(f"The operator {_describe(node.op)} is not allowed")
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.Call):
            return _checked(self._call(node, depth))
        raise MathError(_REFUSED.get(type(node), f"{_describe(node)} is not allowed"))

    @staticmethod
    def _constant(value: object) -> Number:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise MathError(f"Only numbers are allowed, not {value!r}")
        return _checked(value)

    @staticmethod
    def _name(name: str) -> Number:
        if name in CONSTANTS:
            return CONSTANTS[name]
        if name in FUNCTIONS:
            raise MathError(f"'{name}' is a function; call it like {name}(2)")
        raise MathError(f"Unknown name '{name}'")

    @staticmethod
    def _binary(op: ast.operator, left: Number, right: Number) -> Number:
        if isinstance(op, ast.Pow):
            return _power(left, right)
        function = _BINARY.get(type(op))
        if function is None:
            raise MathError(f"The operator {_describe(op)} is not allowed")
        try:
            result: Number = function(left, right)
        except ZeroDivisionError:
            raise MathError("Division by zero") from None
        except OverflowError:
            raise MathError("The result is too large") from None
        return result

    def _call(self, node: ast.Call, depth: int) -> Number:
        if not isinstance(node.func, ast.Name):
            raise MathError(_REFUSED.get(type(node.func), "Only named functions can be called"))
        name = node.func.id
        if name not in FUNCTIONS:
            if name in CONSTANTS:
                raise MathError(f"'{name}' is a constant, not a function")
            raise MathError(f"Unknown function '{name}'")
        if node.keywords:
            raise MathError(f"{name}() takes no keyword arguments")
        if any(isinstance(arg, ast.Starred) for arg in node.args):
            raise MathError("Unpacking with * is not allowed")
        function, fewest, most = FUNCTIONS[name]
        if not fewest <= len(node.args) <= most:
            wanted = str(fewest) if fewest == most else f"{fewest} to {most}"
            raise MathError(f"{name}() takes {wanted} argument(s), not {len(node.args)}")
        args = [self.visit(arg, depth + 1) for arg in node.args]
        try:
            return function(*args)
        except MathError:
            raise
        except (ValueError, ZeroDivisionError):
            raise MathError(f"Math domain error in {name}()") from None
        except OverflowError:
            raise MathError(f"The result of {name}() is too large") from None


def _power(base: Number, exponent: Number) -> Number:
    if abs(exponent) > MAX_EXPONENT:
        raise MathError(f"The exponent is larger than {MAX_EXPONENT}")
    if (
        isinstance(base, int)
        and isinstance(exponent, int)
        and exponent > 0
        and abs(base) > 1
        and (abs(base).bit_length() - 1) * exponent > _MAX_INT_BITS
    ):
        raise MathError("The result is too large")
    try:
        result = base**exponent
    except ZeroDivisionError:
        raise MathError("Division by zero") from None
    except OverflowError:
        raise MathError("The result is too large") from None
    if isinstance(result, complex):
        raise MathError("The result is not a real number")
    return result


def _checked(value: Number) -> Number:
    """``value``, unless it is too large or not a finite number."""
    if isinstance(value, float) and math.isnan(value):
        raise MathError("The result is not a number")
    if isinstance(value, int):
        if value.bit_length() > _MAX_INT_BITS + 1 or abs(value) > MAX_MAGNITUDE:
            raise MathError("The result is too large")
        return value
    if math.isinf(value) or abs(value) > MAX_MAGNITUDE:
        raise MathError("The result is too large")
    return value


def _describe(node: ast.AST) -> str:
    return type(node).__name__
