"""The schedules' safe expression language: a whitelisted `ast` tree evaluated over numpy arrays,
all frames at once (numbers, names, arithmetic, comparisons, conditionals and the functions in
FUNCTIONS; nothing is eval'd)."""

import ast
import functools
import numbers

import numpy as np

MAX_EXPRESSION = 1000  # characters; real schedules are far shorter


class ScheduleError(ValueError):
    """A value that is not a valid schedule; a one-line phrase without the field name."""


# name: (function, number of arguments; None = two or more)
FUNCTIONS = {
    "sin": (np.sin, 1),
    "cos": (np.cos, 1),
    "tan": (np.tan, 1),
    "asin": (np.arcsin, 1),
    "acos": (np.arccos, 1),
    "atan": (np.arctan, 1),
    "atan2": (np.arctan2, 2),
    "sinh": (np.sinh, 1),
    "cosh": (np.cosh, 1),
    "tanh": (np.tanh, 1),
    "exp": (np.exp, 1),
    "log": (np.log, 1),
    "log10": (np.log10, 1),
    "sqrt": (np.sqrt, 1),
    "abs": (np.abs, 1),
    "floor": (np.floor, 1),
    "ceil": (np.ceil, 1),
    "round": (np.round, 1),
    "sign": (np.sign, 1),
    "pow": (np.power, 2),
    "clip": (np.clip, 3),
    "min": (lambda *a: functools.reduce(np.minimum, a), None),
    "max": (lambda *a: functools.reduce(np.maximum, a), None),
}
_BINOPS = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.true_divide,
    ast.FloorDiv: np.floor_divide,
    ast.Mod: np.mod,
    ast.Pow: np.power,
}
_CMPOPS = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}


def is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def to_float(number):
    try:
        return float(number)
    except OverflowError:  # a huge integer
        raise ScheduleError("number too large") from None


def parse(text):
    text = text.strip()
    if not text:
        raise ScheduleError("empty expression")
    if len(text) > MAX_EXPRESSION:
        raise ScheduleError(f"expression longer than {MAX_EXPRESSION} characters")
    try:
        return ast.parse(" ".join(text.splitlines()), mode="eval").body
    except SyntaxError as exc:
        raise ScheduleError(f"syntax error in {text[:60]!r}: {exc.msg}") from None
    except (ValueError, RecursionError, MemoryError):
        raise ScheduleError(f"cannot parse {text[:60]!r}") from None


def literal(node):
    """The number a literal like `1.5`, `(-2)` stands for (Deforum interpolates those), else None."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        number = literal(node.operand)
        return None if number is None else (-number if isinstance(node.op, ast.USub) else number)
    return to_float(node.value) if isinstance(node, ast.Constant) and is_number(node.value) else None


def _eval(node, names):
    """Evaluate a whitelisted expression tree over numpy arrays."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, (str, bytes)):
            raise ScheduleError("strings are not allowed")
        if not is_number(node.value):
            raise ScheduleError(f"constant {node.value!r} is not allowed")
        return np.float64(node.value)  # floats from the start: 10**10**10 overflows, never hangs
    if isinstance(node, ast.Name):
        if node.id in names:
            return names[node.id]
        raise ScheduleError(f"unknown name {node.id!r} (variables: {', '.join(names)})")
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        return _BINOPS[type(node.op)](_eval(node.left, names), _eval(node.right, names))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        return (-1.0 if isinstance(node.op, ast.USub) else 1.0) * _eval(node.operand, names)
    if isinstance(node, ast.Compare) and all(type(op) in _CMPOPS for op in node.ops):
        left, result = _eval(node.left, names), True
        for op, right in zip(node.ops, node.comparators):  # a < b < c as in Python
            right = _eval(right, names)
            result = np.logical_and(result, _CMPOPS[type(op)](left, right))
            left = right
        return np.asarray(result, dtype=np.float64)  # 1.0/0.0, so (t>5)-(t>10) works
    if isinstance(node, ast.IfExp):
        return np.where(_eval(node.test, names) != 0, _eval(node.body, names), _eval(node.orelse, names))
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name):
            _eval(node.func, names)  # names the real problem (attribute, lambda, ...)
            raise ScheduleError("only named functions can be called")
        if node.func.id not in FUNCTIONS:
            raise ScheduleError(f"unknown function {node.func.id!r} (allowed: {', '.join(FUNCTIONS)})")
        if node.keywords:
            raise ScheduleError(f"keyword arguments are not allowed in {node.func.id}()")
        func, arity = FUNCTIONS[node.func.id]
        if (arity is None and len(node.args) < 2) or (arity is not None and len(node.args) != arity):
            raise ScheduleError(f"{node.func.id}() takes {arity or 'two or more'} argument(s), got {len(node.args)}")
        return func(*(_eval(arg, names) for arg in node.args))
    if isinstance(node, ast.Attribute):
        raise ScheduleError(f"attribute access '.{node.attr}' is not allowed")
    what = type(getattr(node, "op", node)).__name__.lower()
    raise ScheduleError(f"{what} is not allowed (only numbers, names, arithmetic, comparisons, calls)")


def run(tree, names):
    try:
        with np.errstate(all="ignore"):  # inf/nan are reported by the caller, with the frame
            return _eval(tree, names)
    except (RecursionError, OverflowError):  # a deep tree; an integer literal beyond float range
        raise ScheduleError("expression too deeply nested or number too large") from None
