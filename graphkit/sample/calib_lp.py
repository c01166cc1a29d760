"""A small builder for mixed-integer linear programs solved with HiGHS (via scipy).

The calibration of the sample database writes its model as affine expressions over named
variables; this module keeps the bookkeeping (bounds, integrality, sparse rows, soft
constraints with penalised slack) so that the model code reads like the maths.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Expr", "Model", "Solution", "esum"]


class Expr:
    """An affine expression ``sum(coef[i] * var[i]) + const`` over variable indices.

    Expressions are never changed in place, so the operators below may share a terms dict
    between expressions instead of copying it (the models are built from millions of them).
    """

    __slots__ = ("terms", "const")

    def __init__(self, terms: dict[int, float] | None = None, const: float = 0.0):
        self.terms = dict(terms or {})
        self.const = float(const)

    @classmethod
    def _of(cls, terms: dict[int, float], const: float) -> "Expr":
        """The expression over ``terms`` itself (not a copy) and the float ``const``."""
        e = cls.__new__(cls)
        e.terms, e.const = terms, const
        return e

    @classmethod
    def var(cls, index: int, coef: float = 1.0) -> "Expr":
        """Return the expression ``coef * var[index]``."""
        return cls({index: coef})

    def __add__(self, other):
        if isinstance(other, (int, float, np.floating, np.integer)):
            return Expr._of(self.terms, self.const + float(other))
        if not other.terms:
            return Expr._of(self.terms, self.const + other.const)
        out = dict(self.terms)
        for k, v in other.terms.items():
            out[k] = out.get(k, 0.0) + v
        return Expr._of(out, self.const + other.const)

    __radd__ = __add__

    def __mul__(self, k):
        k = float(k)
        return Expr._of({i: v * k for i, v in self.terms.items()}, self.const * k)

    __rmul__ = __mul__

    def __neg__(self):
        return self * -1.0

    def __sub__(self, other):
        # a - b is a + (-b) exactly in floating point, without the negated copy
        if not isinstance(other, Expr):
            return Expr._of(self.terms, self.const - float(other))
        if not other.terms:
            return Expr._of(self.terms, self.const - other.const)
        out = dict(self.terms)
        for k, v in other.terms.items():
            out[k] = out.get(k, 0.0) - v
        return Expr._of(out, self.const - other.const)

    def __rsub__(self, other):
        return (-self) + other

    def value(self, x: np.ndarray) -> float:
        """Evaluate at the variable vector ``x``."""
        return self.const + sum(v * x[i] for i, v in self.terms.items())


def _size(a, b) -> float:
    """The larger constant of ``a`` and ``b`` (expressions or numbers), as a scale for checking
    a constraint between constants: two financing amounts of a million that are equal in exact
    arithmetic differ by 3e-8 in floats."""
    return max(abs(v.const) if isinstance(v, Expr) else abs(float(v)) for v in (a, b))


def esum(items) -> Expr:
    """Sum an iterable of expressions (an empty sum is 0)."""
    out = Expr()
    for e in items:
        out = out + e
    return out


@dataclass
class Solution:
    """The result of :meth:`Model.solve`: status text, objective and the variable vector."""

    ok: bool
    status: str
    objective: float
    x: np.ndarray
    seconds: float = 0.0
    nodes: int = 0
    gap: float = float("nan")

    def __call__(self, e: Expr) -> float:
        """Evaluate an expression at the solution."""
        return e.value(self.x)


@dataclass
class Model:
    """Variables (bounds, integrality), constraint rows and a linear objective."""

    lb: list = field(default_factory=list)
    ub: list = field(default_factory=list)
    integer: list = field(default_factory=list)
    cost: list = field(default_factory=list)
    names: list = field(default_factory=list)
    rows: list = field(default_factory=list)  # (dict, lo, hi, name)

    def add_var(self, lb=0.0, ub=np.inf, integer=False, cost=0.0, name="") -> Expr:
        """Add a variable and return it as an expression."""
        self.lb.append(float(lb))
        self.ub.append(float(ub))
        self.integer.append(1 if integer else 0)
        self.cost.append(float(cost))
        self.names.append(name)
        return Expr.var(len(self.lb) - 1)

    def add(self, e: Expr, lo=-np.inf, hi=np.inf, name="", operands: tuple = ()) -> None:
        """Add the constraint ``lo <= e <= hi`` (the constant of ``e`` is moved to the bounds).

        A constraint without variables is checked instead, to 1e-9 of the larger of 1 and the
        ``operands`` ``e`` was made from (:meth:`ge`, :meth:`eq`), and raises ValueError if it
        fails."""
        terms = {k: v for k, v in e.terms.items() if v != 0.0}
        lo2, hi2 = lo - e.const, hi - e.const
        if not terms:
            tol = 1e-9 * max(1.0, _size(*operands)) if operands else 1e-9
            if lo2 > tol or hi2 < -tol:
                raise ValueError(f"constant constraint cannot hold: {name} ({lo2}, {hi2})")
            return
        self.rows.append((terms, lo2, hi2, name))

    def ge(self, a: Expr, b, name="") -> None:
        """Add ``a >= b``."""
        self.add(a - b, lo=0.0, name=name, operands=(a, b))

    def eq(self, a: Expr, b, name="") -> None:
        """Add ``a == b``."""
        self.add(a - b, lo=0.0, hi=0.0, name=name, operands=(a, b))

    def soft_abs(self, e: Expr, target: float, tol: float, weight: float, name="") -> Expr:
        """Penalise ``max(0, |e - target| - tol)`` with ``weight``; return the excess variable."""
        s = self.add_var(0.0, np.inf, cost=weight, name=f"excess:{name}")
        self.add(e - s, hi=target + tol, name=name)
        self.add(e + s, lo=target - tol, name=name)
        return s

    def solve(self, time_limit: float = 60.0, gap: float = 1e-6, node_limit: int | None = None,
              solver: str = "scipy", options: dict | None = None) -> Solution:
        """Solve with HiGHS and return a :class:`Solution`.

        ``solver`` "scipy" (the default, and the only one the calibration uses, so that its
        files do not depend on what else is installed) goes through scipy.optimize.milp;
        "highspy" calls the ``highspy`` package directly (not a graphkit dependency), whose
        newer HiGHS solves some of the analysis programs on which scipy's bundled HiGHS stops
        with "Solve error"; ``options`` are HiGHS options for it. Deterministic for a given
        model and solver when it stops on the gap or ``node_limit``; a ``time_limit`` is only
        a safety net (stopping on time depends on the machine).
        """
        if solver == "highspy":
            return self._solve_highspy(time_limit, gap, node_limit, options or {})
        if solver != "scipy":
            raise ValueError(f"unknown solver {solver!r}: scipy or highspy")
        return self._solve_scipy(time_limit, gap, node_limit)

    def matrix(self):
        """The constraints as (sparse CSR matrix A, lower bounds, upper bounds): lo <= A x <= hi."""
        from scipy.sparse import csr_matrix

        data, ri, ci, lo, hi = [], [], [], [], []
        for r, (terms, a, b, _) in enumerate(self.rows):
            for k, v in terms.items():
                ri.append(r)
                ci.append(k)
                data.append(v)
            lo.append(a)
            hi.append(b)
        return csr_matrix((data, (ri, ci)), shape=(len(self.rows), len(self.lb))), np.array(lo), np.array(hi)

    def _solve_highspy(self, time_limit, gap, node_limit, options: dict) -> Solution:
        import time

        import highspy

        n = len(self.lb)
        A, lo, hi = self.matrix()
        A = A.tocsc()
        lp = highspy.HighsLp()
        lp.num_col_, lp.num_row_ = n, A.shape[0]
        lp.col_cost_ = np.array(self.cost, float)
        lp.col_lower_, lp.col_upper_ = np.array(self.lb, float), np.array(self.ub, float)
        lp.row_lower_, lp.row_upper_ = lo.astype(float), hi.astype(float)
        lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = A.indptr, A.indices, A.data
        lp.integrality_ = [highspy.HighsVarType.kInteger if i else highspy.HighsVarType.kContinuous
                           for i in self.integer]
        h = highspy.Highs()
        settings = {"output_flag": False, "time_limit": float(time_limit), "mip_rel_gap": float(gap),
                    **({"mip_max_nodes": int(node_limit)} if node_limit else {}), **options}
        for key, value in settings.items():
            h.setOptionValue(key, value)
        h.passModel(lp)
        t0 = time.perf_counter()
        h.run()
        info, sol = h.getInfo(), h.getSolution()
        ok = info.primal_solution_status >= 1 and len(sol.col_value) == n
        return Solution(ok, h.modelStatusToString(h.getModelStatus()),
                        float(info.objective_function_value) if ok else np.inf,
                        np.array(sol.col_value) if ok else np.full(n, np.nan),
                        time.perf_counter() - t0, int(info.mip_node_count), float(info.mip_gap))

    def _solve_scipy(self, time_limit, gap, node_limit) -> Solution:
        import time

        from scipy.optimize import Bounds, LinearConstraint, milp

        n = len(self.lb)
        A, lo, hi = self.matrix()
        t0 = time.perf_counter()
        res = milp(
            c=np.array(self.cost),
            constraints=[LinearConstraint(A, lo, hi)] if self.rows else [],
            integrality=np.array(self.integer),
            bounds=Bounds(np.array(self.lb), np.array(self.ub)),
            options={"time_limit": time_limit, "mip_rel_gap": gap, "disp": False,
                     **({"node_limit": int(node_limit)} if node_limit else {})},
        )
        secs = time.perf_counter() - t0
        x = res.x if res.x is not None else np.full(n, np.nan)
        ok = res.x is not None
        nodes = int(getattr(res, "mip_node_count", 0) or 0)
        gap_ = float(getattr(res, "mip_gap", np.nan) or 0.0)
        return Solution(ok, str(res.message), float(res.fun) if ok else np.inf, x, secs, nodes, gap_)
