"""Counts xlafront's non-blank, non-comment lines and fails past the budget (as tinygrad
does): 15k for the transform core (everything but the NumPy, SciPy, nn and random
surface) and 30k for the whole package. The budget is a prompt to find the shared helper,
never to cram lines: docstrings count, so do not shorten them to fit.

    python .ci/line_budget.py          # prints the table, exits 1 when over budget
"""
import io
import os
import sys
import tokenize

ROOT = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "xlafront")
# Top-level entries outside the transform core: the NumPy, SciPy, nn and random surfaces;
# jax.ops, jax.image and jax.dlpack, which issue 11 gives the NumPy surface; and code that
# holds no transformation at all: the demo program, the `jax` alias module and the
# placeholders of JAX names not implemented yet.
SURFACE = ("numpy", "scipy", "nn", "random", "random.py", "prng.py", "ops.py", "image.py",
           "dlpack.py", "demo.py", "alias.py", "unsupported.py")
BUDGET = {"transform core": 15_000, "whole package": 30_000}


def count_lines(path):
    """Lines holding code or docstrings: not blank and not only a comment."""
    with open(path, "rb") as f:
        source = f.read()
    lines = set()
    for tok in tokenize.tokenize(io.BytesIO(source).readline):
        if tok.type in (tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                        tokenize.DEDENT, tokenize.ENCODING, tokenize.ENDMARKER):
            continue
        lines.update(range(tok.start[0], tok.end[0] + 1))
    return len(lines)


def main():
    per_file = {}
    for root, _, files in os.walk(ROOT):
        for name in files:
            if name.endswith(".py"):
                path = os.path.join(root, name)
                per_file[os.path.relpath(path, ROOT)] = count_lines(path)
    surface = sum(n for f, n in per_file.items() if f.split(os.sep)[0] in SURFACE)
    total = sum(per_file.values())
    counts = {"transform core": total - surface, "whole package": total}
    print("| part | lines | budget |\n|---|---|---|")
    for part, n in counts.items():
        print(f"| {part} | {n} | {BUDGET[part]} |")
    biggest = sorted(per_file.items(), key=lambda kv: -kv[1])[:5]
    print("largest files: " + ", ".join(f"{f} {n}" for f, n in biggest))
    over = [part for part, n in counts.items() if n > BUDGET[part]]
    if over:
        print(f"over the line budget: {', '.join(over)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
