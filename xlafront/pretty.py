"""The IR pretty-printer, in JAX's jaxpr notation (it reads core's IR classes by their
fields, so that core can import it):

    { lambda ; a:f32[3]. let
        b:f32[3] = sin a
        c:f32[3] = mul b 2.0:f32[]
      in (c,) }
"""
import numpy as np


def _names():
    letters = "abcdefghijklmnopqrstuvwxyz"
    n = 0
    while True:
        name, k = "", n
        while True:
            name = letters[k % 26] + name
            k = k // 26
            if k == 0:
                break
        yield name
        n += 1


class _Namer:
    def __init__(self):
        self.names = {}
        self.fresh = _names()

    def __call__(self, atom):
        if hasattr(atom, "val"):  # a Literal
            val = atom.val
            if np.ndim(val):  # an array constant inlined into the IR
                text = np.array2string(np.asarray(val), threshold=6, separator=",")
                text = " ".join(text.split())
            else:
                text = repr(val.item() if isinstance(val, (np.ndarray, np.generic)) else val)
            return f"{text}:{atom.aval.str_short()}"
        if atom not in self.names:
            self.names[atom] = next(self.fresh)
        return self.names[atom]

    def binder(self, var):
        return f"{self(var)}:{var.aval.str_short()}"


def _is_ir(value):
    """A Jaxpr or ClosedJaxpr."""
    return hasattr(value, "eqns") and hasattr(value, "outvars") or hasattr(value, "jaxpr")


def _param_text(value, namer, indent):
    if _is_ir(value):
        return _pp(getattr(value, "jaxpr", value), _Namer(), indent + 4)
    if isinstance(value, np.dtype):
        return value.name
    if callable(value) and hasattr(value, "__name__"):  # rules and policies carried as params
        return value.__name__
    if isinstance(value, (tuple, list)) and any(_is_ir(v) for v in value):
        return "(" + " ".join(_param_text(v, namer, indent) for v in value) + ")"
    return str(value)


def _pp(jaxpr, namer, indent):
    pad = " " * indent
    consts = " ".join(namer.binder(v) for v in jaxpr.constvars)
    args = " ".join(namer.binder(v) for v in jaxpr.invars)
    lines = [f"{{ lambda {consts}; {args}. let"]
    for eqn in jaxpr.eqns:
        outs = " ".join(namer.binder(v) for v in eqn.outvars)
        params = ""
        if eqn.params:
            items = " ".join(f"{k}={_param_text(v, namer, indent + 4)}"
                             for k, v in sorted(eqn.params.items()))
            params = f"[{items}]"
        ins = " ".join(namer(x) for x in eqn.inputs)
        lines.append(f"{pad}    {outs} = {eqn.prim.name}{params} {ins}".rstrip())
    outs = " ".join(namer(x) + "," if len(jaxpr.outvars) == 1 else namer(x)
                    for x in jaxpr.outvars)
    lines.append(f"{pad}  in ({outs}) }}")
    if indent == 0 and not any("\n" in line for line in lines):
        # as JAX's printer: a jaxpr that fits in 80 columns is one line, `;` between eqns
        flat = _one_line(lines)
        if len(flat) <= 80:
            return flat
    return "\n".join(lines)


def _one_line(lines):
    head, *eqns, tail = (line.strip() for line in lines)
    return f"{head} {'; '.join(eqns)} {tail}" if eqns else f"{head} {tail}"


def pp_jaxpr(jaxpr):
    """The text of `jaxpr`: one line per equation, `b:f32[] = log a`."""
    return _pp(jaxpr, _Namer(), 0)
