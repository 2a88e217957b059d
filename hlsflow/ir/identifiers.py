"""Names a generated C++ project cannot give to its own identifiers.

The generated code spells graph names into C++: a graph input ``x`` becomes the top
function's argument ``x`` and the type ``x_t``; a node ``fc`` becomes ``fc_out``,
``fc_t``, ``config_fc``, ``fc_w`` ... (every identifier derived from a node name starts
with the node name and ``_``, or with ``config_``). The sets here are what such a name
must not be: C++ keywords, macros the included headers define (an all-caps name is
treated as a possible macro), and names the project itself uses.
"""

from __future__ import annotations

import re

CPP_KEYWORDS = frozenset(
    """alignas alignof and and_eq asm auto bitand bitor bool break case catch char char16_t char32_t
    class compl const constexpr const_cast continue decltype default delete do double dynamic_cast
    else enum explicit export extern false float for friend goto if inline int long mutable namespace
    new noexcept not not_eq nullptr operator or or_eq private protected public register
    reinterpret_cast return short signed sizeof static static_assert static_cast struct switch
    template this thread_local throw true try typedef typeid typename union unsigned using virtual
    void volatile wchar_t while xor xor_eq""".split()
)

#: Lower-case macros of the C library headers the project includes, and GNU mode's
#: predefined ``linux``/``unix``: as argument names they would be expanded.
LOWERCASE_MACROS = frozenset({"stdin", "stdout", "stderr", "errno", "linux", "unix", "i386", "assert", "offsetof"})
#: Common upper-case macros of those headers (a ProjectName is checked against these;
#: port names avoid every all-caps name).
KNOWN_MACROS = frozenset({"NULL", "EOF", "BUFSIZ", "FILENAME_MAX", "RAND_MAX", "EXIT_SUCCESS", "EXIT_FAILURE"})

#: Names the generated project uses for itself: namespaces, files, the C entry points of
#: the csim bridge, the testbench's helper and the locals of both (which call the top
#: function, so the project's name must not be one of them).
PROJECT_NAMES = frozenset(
    """nnet hlsflow std main defines parameters hlsflow_types bridge hlsflow_predict hlsflow_n_inputs
    read_line hlsflow_fail n s p c w i in out err err_size pos ref fin fref fout mismatched same line d""".split()
)

_MACRO_LIKE = re.compile(r"^[A-Z_][A-Z0-9_]+$")


def _cxx_reserved(name: str) -> bool:
    """A keyword, a lower-case macro, or a name the implementation reserves (``__``)."""
    return name in CPP_KEYWORDS or name in LOWERCASE_MACROS or name.startswith("__")


def is_reserved_project_name(name: str) -> bool:
    """Whether ProjectName ``name`` (the top function, file names) is taken: a keyword, a
    known macro, a name the project uses, or starting with ``__``."""
    return _cxx_reserved(name) or name in KNOWN_MACROS or name in PROJECT_NAMES


def is_reserved_argument(name: str) -> bool:
    """Whether a graph input cannot be the top function's argument ``name``: a keyword, a
    known or possible (all-caps, 2+ characters) macro, a name the project uses, or
    starting with ``__``."""
    return _cxx_reserved(name) or bool(_MACRO_LIKE.match(name)) or name in PROJECT_NAMES
