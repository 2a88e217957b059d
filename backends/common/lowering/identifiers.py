"""Keep the C++ identifiers of a lowered project apart.

Graph names are spelled into C++: a graph input is the top function's argument of the
same name; every other tensor is ``<node>_out`` of type ``<node>_t``, a layer has the
struct ``config_<layer>`` and arrays such as ``<layer>_w``. Any graph name is accepted,
so an input can meet a keyword (``int``), a macro (``EOF``), a local of the csim bridge
or testbench (``s``, ``in``), the project's name, or an identifier made from another
name (an input ``fc_w`` next to the dense layer ``fc``, whose weights are ``fc_w``:
inside the top function the argument would hide the weights and compile silently).

Invariant of :func:`settle_identifiers`' result: every identifier the project declares
(project name, tensor variables, typedefs, config structs, arrays) is declared once and
no input argument is reserved. Clashing input arguments get ``_in`` appended until they
are free; any remaining clash (two layers whose derived names meet) is one
:class:`LoweringError` naming the identifiers and the layers.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from hlsflow.backends.common.lowering.context import LoweringError
from hlsflow.backends.common.views import LayerView, ProjectView, VarView

from hlsflow.ir.identifiers import is_reserved_argument


def _declared(prj: ProjectView) -> list[tuple[str, str]]:
    """(identifier, who declares it) for everything but the input arguments."""
    out = [(prj.name, "the top function")]
    out += [(t.name, "a tensor typedef") for t in prj.value_types]
    for lay in prj.layers:
        out += [(lay.config, f"layer {lay.name}")]
        out += [(v.name, f"layer {lay.name}") for v in lay.outputs]
        out += [(a.name, f"layer {lay.name}") for a in lay.arrays]
    return out


def _clashes(name: str, taken: set[str]) -> bool:
    return name in taken or is_reserved_argument(name)


def settle_identifiers(prj: ProjectView) -> ProjectView:
    """``prj`` with clashing input arguments renamed; raises on any other clash."""
    declared = _declared(prj)
    counts = Counter(name for name, _ in declared)
    clashes = sorted(name for name, k in counts.items() if k > 1)
    if clashes:
        who = {name: sorted({w for n, w in declared if n == name}) for name in clashes}
        detail = "; ".join(f"{name!r} ({', '.join(w)})" for name, w in who.items())
        raise LoweringError(
            f"generated C++ identifiers clash: {detail}. Rename one of the layers involved in the model "
            "(layer names become C++ identifiers with suffixes such as _out, _t, _w, _stage1)."
        )
    taken = set(counts)
    # inputs that clash with nothing keep their names, also against a renamed one
    keep = {v.name for v in prj.inputs if not _clashes(v.name, taken)}
    taken |= keep
    # keyed by the whole view, not the name: a clashing name is by definition also the
    # name of another variable (an input "l0_out" next to layer l0's output), which stays
    renamed: dict[VarView, VarView] = {}
    for v in prj.inputs:
        if v.name not in keep:
            name = v.name
            while _clashes(name, taken):
                name += "_in"
            taken.add(name)
            renamed[v] = replace(v, name=name)
    if not renamed:
        return prj
    return replace(
        prj,
        inputs=tuple(renamed.get(v, v) for v in prj.inputs),
        layers=tuple(_read_renamed(lay, renamed) for lay in prj.layers),
    )


def _read_renamed(lay: LayerView, renamed: dict[VarView, VarView]) -> LayerView:
    if not any(v in renamed for v in lay.inputs):
        return lay
    return replace(lay, inputs=tuple(renamed.get(v, v) for v in lay.inputs))
