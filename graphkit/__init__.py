"""graphkit: regional competitiveness indices from heterogeneous relationship graphs.

The pipeline is a chain of plain functions over tables, each public::

    import graphkit as gk
    ds = gk.load_dataset()                 # the bundled *synthetic* sample database
    ev = gk.evaluate(ds, level="province") # aggregate → normalise → weight → rank
    ev.table()                             # one row per province, best first

See README.md for the command line and docs/ for the schema and methods.
"""
from __future__ import annotations

import importlib
import sys
import types

__version__ = "0.1.0"

# Public name -> module. Imported on first use, so that `graphkit --help` and light
# commands do not pay for pandas, numpy or igraph.
_EXPORTS = {
    "Dataset": "io", "load_dataset": "io", "read_table": "io", "write_dataset": "io", "dataset_from_tables": "io",
    "Spec": "spec", "load_spec": "spec",
    "LEVELS": "aggregate", "aggregate": "aggregate", "level_regions": "aggregate",
    "normalise": "normalise", "minmax": "normalise",
    "weighted_scores": "score", "rank": "score", "rank_table": "score",
    "Evaluation": "evaluation", "evaluate": "evaluation",
    "Problem": "errors", "GraphkitError": "errors", "DataError": "errors", "SpecError": "errors",
    "JudgmentError": "errors", "UsageError": "errors",
    "load_regions": "regions",
    "export": "export",
    "run_query": "query", "list_queries": "query",
    "evaluate_judgments": "ahp", "load_judgments": "ahp",
}

__all__ = sorted(_EXPORTS)


class _Package(types.ModuleType):
    # `graphkit.aggregate` and `graphkit.normalise` are both modules and the stage functions
    # they define. Importing a submodule makes Python set it as an attribute of the package,
    # which would hide the function; keep the function (the module stays in sys.modules, so
    # `from graphkit.aggregate import level_regions` works; `import graphkit.aggregate as m`
    # gives the function).
    def __setattr__(self, name, value):
        if isinstance(value, types.ModuleType) and _EXPORTS.get(name) == name:
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str):
    try:
        module = _EXPORTS[name]
    except KeyError:
        raise AttributeError(f"module 'graphkit' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f"graphkit.{module}"), name)
    globals()[name] = value
    return value


def __dir__():
    return sorted(list(globals()) + __all__)
