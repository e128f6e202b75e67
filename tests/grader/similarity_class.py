"""A class of 40 for ``grade similarity``: 22 learners hand in one ex01/ex02 file, 18 write their own.

The copied files are one learner's solution, handed round as it is, with its
variables renamed, its comments rewritten, reformatted the way black writes
code or squeezed into compact one-liners (and combinations).  The 18 others
fill in the stub with their own code: five implementations of every function
(the worked solution's is one of them, the reference's ``np.maximum(0, x)``
another), combined so that two learners share at most one function of a file
(learner ``i`` uses implementation ``(a + b * f) mod 5`` of function ``f``: two
different lines over GF(5) meet in at most one point).  Several learners hand
in the untouched ex03 stub, and three the untouched ex02 stub.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STUB_RAISE = re.compile(r'^    raise NotImplementedError\("(\w+): not implemented yet \(未実装\)"\)$', re.M)

EX01 = ("step_function", "sigmoid", "relu", "identity_function", "forward")
EX02 = ("softmax", "cross_entropy_error", "mean_squared_error", "one_hot")

# five independent implementations of every function (bodies, 4-space indented code)
OWN: dict[str, list[str]] = {
    "step_function": [
        "return np.array(np.asarray(x) > 0, dtype=np.int64)",
        "arr = np.asarray(x)\nreturn np.where(arr > 0, 1, 0)",
        "a = np.asarray(x, dtype=float)\nout = np.zeros(a.shape, dtype=np.int64)\nout[a > 0] = 1\nreturn out",
        "return np.array(np.heaviside(np.asarray(x, dtype=float), 0.0), dtype=np.int64)",
        "flags = np.greater(x, 0)\nreturn np.array(flags, dtype=int)",
    ],
    "sigmoid": [
        "return np.exp(-np.logaddexp(0.0, -np.asarray(x, dtype=float)))",
        "x = np.asarray(x, dtype=float)\nout = np.empty_like(x)\npos = x >= 0\n"
        "out[pos] = 1.0 / (1.0 + np.exp(-x[pos]))\ne = np.exp(x[~pos])\nout[~pos] = e / (1.0 + e)\nreturn out",
        "return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(x, dtype=float)))",
        "z = np.clip(np.asarray(x, dtype=float), -500, 500)\nreturn 1 / (1 + np.exp(-z))",
        "t = np.exp(-np.abs(np.asarray(x, dtype=float)))\n"
        "return np.where(np.asarray(x) >= 0, 1 / (1 + t), t / (1 + t))",
    ],
    "relu": [
        "return np.maximum(0, x)",
        "x = np.asarray(x)\nreturn np.where(x > 0, x, 0)",
        "return x * (x > 0)",
        "out = np.array(x, copy=True)\nout[out < 0] = 0\nreturn out",
        "return np.clip(x, 0, None)",
    ],
    "identity_function": [
        "return x",
        "return np.asarray(x)",
        "y = x\nreturn y",
        "return x.copy()",
        "return np.array(x, copy=True)",
    ],
    "forward": [
        'W1, W2, W3 = network["W1"], network["W2"], network["W3"]\n'
        'b1, b2, b3 = network["b1"], network["b2"], network["b3"]\n'
        "z1 = sigmoid(np.dot(x, W1) + b1)\nz2 = sigmoid(np.dot(z1, W2) + b2)\n"
        "return identity_function(np.dot(z2, W3) + b3)",
        'h = x\nfor i in (1, 2):\n    h = sigmoid(h @ network[f"W{i}"] + network[f"b{i}"])\n'
        'return identity_function(h @ network["W3"] + network["b3"])',
        'a1 = np.dot(x, network["W1"]) + network["b1"]\nz1 = sigmoid(a1)\n'
        'a2 = np.dot(z1, network["W2"]) + network["b2"]\nz2 = sigmoid(a2)\n'
        'a3 = np.dot(z2, network["W3"]) + network["b3"]\nreturn identity_function(a3)',
        'layers = [(network["W1"], network["b1"], sigmoid), (network["W2"], network["b2"], sigmoid),\n'
        '          (network["W3"], network["b3"], identity_function)]\n'
        "out = np.asarray(x, dtype=float)\nfor W, b, act in layers:\n    out = act(np.matmul(out, W) + b)\nreturn out",
        'z = sigmoid(x @ network["W1"] + network["b1"])\nz = sigmoid(z @ network["W2"] + network["b2"])\n'
        'return identity_function(z @ network["W3"] + network["b3"])',
    ],
    "softmax": [
        "x = np.asarray(x, dtype=float)\nshifted = x - np.max(x, axis=-1, keepdims=True)\n"
        "exp_x = np.exp(shifted)\nreturn exp_x / np.sum(exp_x, axis=-1, keepdims=True)",
        "x = np.asarray(x, dtype=float)\nif x.ndim == 1:\n    x = x - x.max()\n    e = np.exp(x)\n"
        "    return e / e.sum()\nx = x - x.max(axis=1, keepdims=True)\ne = np.exp(x)\n"
        "return e / e.sum(axis=1, keepdims=True)",
        "x = np.asarray(x, dtype=float)\nm = np.max(x, axis=-1, keepdims=True)\n"
        "lse = m + np.log(np.sum(np.exp(x - m), axis=-1, keepdims=True))\nreturn np.exp(x - lse)",
        "x = np.asarray(x, dtype=float)\nif x.ndim == 2:\n    x = x.T\n    x = x - np.max(x, axis=0)\n"
        "    y = np.exp(x) / np.sum(np.exp(x), axis=0)\n    return y.T\nx = x - np.max(x)\n"
        "return np.exp(x) / np.sum(np.exp(x))",
        "def one(row):\n    shifted = row - row.max()\n    ex = np.exp(shifted)\n    return ex / ex.sum()\n\n"
        "return np.apply_along_axis(one, -1, np.asarray(x, dtype=float))",
    ],
    "cross_entropy_error": [
        "d = np.asarray(d)\ny = np.asarray(y, dtype=float)\nif y.ndim == 1:\n    y = y.reshape(1, -1)\n"
        "    d = d.reshape(1, -1) if d.ndim == 1 else d.reshape(1)\nbatch_size = y.shape[0]\n"
        "if d.shape == y.shape:\n    return float(-np.sum(d * np.log(y + 1e-7)) / batch_size)\n"
        "labels = d.astype(np.intp)\npicked = y[np.arange(batch_size), labels]\n"
        "return float(-np.sum(np.log(picked + 1e-7)) / batch_size)",
        "y = np.atleast_2d(np.asarray(y, dtype=float))\nd = np.asarray(d)\nn = y.shape[0]\n"
        "if d.size == y.size:\n    d = d.reshape(y.shape).argmax(axis=1)\nelse:\n    d = d.reshape(n).astype(int)\n"
        "return float(-np.mean(np.log(y[np.arange(n), d] + 1e-7)))",
        "y = np.asarray(y, dtype=float)\nd = np.asarray(d)\nif d.shape != y.shape:\n"
        "    d = np.eye(y.shape[-1])[d.astype(int)]\nlogs = np.log(y + 1e-7)\ntotal = -np.sum(d * logs)\n"
        "batch = 1 if y.ndim == 1 else y.shape[0]\nreturn float(total / batch)",
        "y = np.asarray(y, dtype=float).reshape(-1, np.shape(y)[-1])\nt = np.asarray(d)\nif t.size == y.size:\n"
        "    t = t.reshape(y.shape)\n    loss = -(t * np.log(y + 1e-7)).sum(axis=1)\nelse:\n"
        "    t = t.reshape(-1).astype(np.int64)\n    loss = -np.log(y[np.arange(len(t)), t] + 1e-7)\n"
        "return float(loss.mean())",
        "y = np.asarray(y, dtype=float)\nd = np.asarray(d)\nif y.ndim == 1:\n    y = y.reshape(1, y.size)\n"
        "    d = d.reshape(1, d.size) if d.ndim == 1 else d.reshape(1)\ntotal = 0.0\nfor i in range(y.shape[0]):\n"
        "    if d.ndim == 2:\n        total -= np.dot(d[i], np.log(y[i] + 1e-7))\n    else:\n"
        "        total -= np.log(y[i, int(d[i])] + 1e-7)\nreturn float(total / y.shape[0])",
    ],
    "mean_squared_error": [
        "diff = np.asarray(y, dtype=float) - np.asarray(d, dtype=float)\nreturn float(0.5 * np.mean(diff**2))",
        "return float(np.mean((np.asarray(y, dtype=float) - np.asarray(d, dtype=float)) ** 2) / 2)",
        "e = np.subtract(y, d, dtype=float)\nreturn float(0.5 * np.sum(e * e) / e.size)",
        "diff = (np.asarray(y) - np.asarray(d)).ravel().astype(float)\nreturn float(0.5 * diff.dot(diff) / diff.size)",
        "sq = np.square(np.asarray(d, dtype=float) - np.asarray(y, dtype=float))\nreturn 0.5 * float(sq.mean())",
    ],
    "one_hot": [
        "labels = np.asarray(labels, dtype=np.intp)\nreturn np.eye(num_classes)[labels]",
        "labels = np.asarray(labels, dtype=int)\nout = np.zeros((labels.size, num_classes))\n"
        "out[np.arange(labels.size), labels] = 1.0\nreturn out",
        "return (np.asarray(labels)[:, None] == np.arange(num_classes)).astype(float)",
        "rows = []\nfor label in np.asarray(labels).tolist():\n    row = [0.0] * num_classes\n"
        "    row[int(label)] = 1.0\n    rows.append(row)\nreturn np.array(rows, dtype=float).reshape(-1, num_classes)",
        "result = np.zeros((len(labels), num_classes))\n"
        "np.put_along_axis(result, np.asarray(labels, dtype=int).reshape(-1, 1), 1.0, axis=1)\nreturn result",
    ],
}

# the file that goes round: written the way its author wrote it, then as black would, then compact
SHARED: dict[str, str] = {
    "step_function": "x = np.asarray(x)\nresult = (x > 0).astype(np.int64)  # ints, not bools\nreturn np.array(result)",
    "sigmoid": "x = np.asarray(x, dtype=float)\npositive = np.exp(-np.maximum(x, 0))  # never exp of a big number\n"
    "negative = np.exp(np.minimum(x, 0))\nreturn np.where(x >= 0, 1 / (1 + positive), negative / (1 + negative))",
    "relu": "result = x.copy()\nmask = result <= 0\nresult[mask] = 0\nreturn result",
    "identity_function": "result = x\nreturn result",
    "forward": "W1, W2, W3 = network['W1'], network['W2'], network['W3']\n"
    "b1, b2, b3 = network['b1'], network['b2'], network['b3']\n"
    "a1 = x @ W1 + b1\nz1 = sigmoid(a1)\na2 = z1 @ W2 + b2  # second layer\nz2 = sigmoid(a2)\n"
    "a3 = z2 @ W3 + b3\nresult = identity_function(a3)\nreturn result",
    "softmax": "x = np.array(x, dtype=np.float64)\nbiggest = x.max(axis=-1, keepdims=True)  # for stability\n"
    "numer = np.exp(x - biggest)\ndenom = numer.sum(axis=-1, keepdims=True)\nreturn numer / denom",
    "cross_entropy_error": "probs = np.asarray(y, dtype=float)\ntarget = np.asarray(d)\nif probs.ndim == 1:\n"
    "    probs = probs.reshape(1, probs.size)\n    target = target.reshape(1, target.size)\n"
    "if target.size == probs.size:  # one-hot\n    target = target.argmax(axis=1)\nn = probs.shape[0]\n"
    "return float(-np.sum(np.log(probs[np.arange(n), target.ravel()] + 1e-7)) / n)",
    "mean_squared_error": "error = np.asarray(y, dtype=float) - np.asarray(d, dtype=float)\nsquared = error ** 2\n"
    "return float(squared.mean() * 0.5)",
    "one_hot": "index = np.asarray(labels).astype(np.int64)\n"
    "encoded = np.zeros((index.shape[0], num_classes), dtype=float)\n"
    "for row, col in enumerate(index):\n    encoded[row, col] = 1.0\nreturn encoded",
}

BLACK: dict[str, str] = {
    "sigmoid": "x = np.asarray(x, dtype=float)\npositive = np.exp(-np.maximum(x, 0))  # never exp of a big number\n"
    "negative = np.exp(np.minimum(x, 0))\nreturn np.where(\n    x >= 0,\n    1 / (1 + positive),\n"
    "    negative / (1 + negative),\n)",
    "forward": 'W1, W2, W3 = network["W1"], network["W2"], network["W3"]\n'
    'b1, b2, b3 = network["b1"], network["b2"], network["b3"]\n'
    "a1 = x @ W1 + b1\nz1 = sigmoid(a1)\na2 = z1 @ W2 + b2  # second layer\nz2 = sigmoid(a2)\n"
    "a3 = z2 @ W3 + b3\nresult = identity_function(a3)\nreturn result",
    "cross_entropy_error": "probs = np.asarray(y, dtype=float)\ntarget = np.asarray(d)\nif probs.ndim == 1:\n"
    "    probs = probs.reshape(1, probs.size)\n    target = target.reshape(1, target.size)\n"
    "if target.size == probs.size:  # one-hot\n    target = target.argmax(axis=1)\nn = probs.shape[0]\n"
    "return float(\n    -np.sum(\n        np.log(\n            probs[np.arange(n), target.ravel()] + 1e-7,\n"
    "        ),\n    )\n    / n,\n)",
    "one_hot": "index = np.asarray(labels).astype(np.int64)\nencoded = np.zeros(\n"
    "    (index.shape[0], num_classes),\n    dtype=float,\n)\n"
    "for row, col in enumerate(index):\n    encoded[row, col] = 1.0\nreturn encoded",
}

COMPACT = {
    1: """import numpy as np
def step_function(x):
    x=np.asarray(x);result=(x>0).astype(np.int64);return np.array(result)
def sigmoid(x):
    x=np.asarray(x,dtype=float);positive=np.exp(-np.maximum(x,0));negative=np.exp(np.minimum(x,0))
    return np.where(x>=0,1/(1+positive),negative/(1+negative))
def relu(x):
    result=x.copy();mask=result<=0;result[mask]=0;return result
def identity_function(x): result=x;return result
def forward(network,x):
    W1,W2,W3=network['W1'],network['W2'],network['W3'];b1,b2,b3=network['b1'],network['b2'],network['b3']
    a1=x@W1+b1;z1=sigmoid(a1);a2=z1@W2+b2;z2=sigmoid(a2);a3=z2@W3+b3;result=identity_function(a3);return result
""",
    2: """import numpy as np
def softmax(x):
    x=np.array(x,dtype=np.float64);biggest=x.max(axis=-1,keepdims=True)
    numer=np.exp(x-biggest);denom=numer.sum(axis=-1,keepdims=True);return numer/denom
def cross_entropy_error(d,y):
    probs=np.asarray(y,dtype=float);target=np.asarray(d)
    if probs.ndim==1: probs=probs.reshape(1,probs.size);target=target.reshape(1,target.size)
    if target.size==probs.size: target=target.argmax(axis=1)
    n=probs.shape[0];return float(-np.sum(np.log(probs[np.arange(n),target.ravel()]+1e-7))/n)
def mean_squared_error(d,y):
    error=np.asarray(y,dtype=float)-np.asarray(d,dtype=float);squared=error**2;return float(squared.mean()*0.5)
def one_hot(labels,num_classes):
    index=np.asarray(labels).astype(np.int64);encoded=np.zeros((index.shape[0],num_classes),dtype=float)
    for row,col in enumerate(index): encoded[row,col]=1.0
    return encoded
""",
}

RENAMES = (
    {},
    {"result": "res", "positive": "p", "negative": "q", "mask": "neg", "probs": "prob", "target": "t",
     "error": "err", "squared": "sq", "encoded": "onehot", "index": "idx", "biggest": "mx", "numer": "num",
     "denom": "den"},
    {"result": "output", "positive": "exp_pos", "negative": "exp_neg", "mask": "is_neg", "probs": "p_hat",
     "target": "labels_", "error": "residual", "squared": "r2", "encoded": "table", "index": "ids",
     "biggest": "row_max", "numer": "top", "denom": "bottom", "row": "i", "col": "j"},
)  # fmt: skip


def _indent(body: str) -> str:
    return "\n".join(("    " + line) if line else "" for line in body.splitlines())


def fill(exercise: int, bodies: dict[str, str]) -> str:
    """The exercise's stub with the functions in ``bodies`` filled in (the others left as the stub has them)."""
    stub = next((ROOT / "exercises").glob(f"ex{exercise:02d}_*.py")).read_text(encoding="utf-8")
    return STUB_RAISE.sub(lambda found: _indent(bodies[found.group(1)]) if found.group(1) in bodies else found[0], stub)


def _rename(source: str, names: dict[str, str]) -> str:
    for old, new in names.items():
        source = re.sub(rf"\b{old}\b", new, source)
    return source


def _recomment(source: str) -> str:
    """Every comment rewritten, and one added above each return."""
    source = re.sub(r"#[^\n]*", "# 自分で考えた", source)
    return re.sub(r"^(\s*)return ", r"\1# 結果を返す\n\1return ", source, flags=re.M)


def copied(exercise: int, variant: int) -> str:
    """The shared file of ``exercise`` as copier ``variant`` hands it in."""
    names = EX01 if exercise == 1 else EX02
    style = variant % 3  # 0: as written, 1: black, 2: compact
    if style == 2:
        source = COMPACT[exercise]
    else:
        table = BLACK if style == 1 else {}
        source = fill(exercise, {name: table.get(name, SHARED[name]) for name in names})
    source = _rename(source, RENAMES[(variant // 3) % 3])
    if variant % 2:
        source = _recomment(source)
    return source


def own(exercise: int, learner: int) -> str:
    """Independent learner ``learner``'s own file (0 <= learner < 25)."""
    names = EX01 if exercise == 1 else EX02
    a, b = divmod(learner, 5)
    return fill(exercise, {name: OWN[name][(a + b * position) % 5] for position, name in enumerate(names)})


COPIERS = tuple(f"copier-{index:02d}" for index in range(22))
INDEPENDENT = tuple(f"learner-{index:02d}" for index in range(18))


def write_class(root: Path) -> Path:
    """The class of 40 in ``root/class``; its folder."""
    folder = root / "class"
    ex03_stub = next((ROOT / "exercises").glob("ex03_*.py")).read_text(encoding="utf-8")
    ex02_stub = next((ROOT / "exercises").glob("ex02_*.py")).read_text(encoding="utf-8")
    for index, name in enumerate(COPIERS):
        learner = folder / name
        learner.mkdir(parents=True)
        (learner / "ex01_activations.py").write_text(copied(1, index), encoding="utf-8")
        (learner / "ex02_softmax_loss.py").write_text(copied(2, index), encoding="utf-8")
        if index % 2:
            (learner / "ex03_backward.py").write_text(ex03_stub, encoding="utf-8")
    for index, name in enumerate(INDEPENDENT):
        learner = folder / name
        learner.mkdir(parents=True)
        (learner / "ex01_activations.py").write_text(own(1, index), encoding="utf-8")
        (learner / "ex02_softmax_loss.py").write_text(own(2, index) if index >= 3 else ex02_stub, encoding="utf-8")
        (learner / "ex03_backward.py").write_text(ex03_stub, encoding="utf-8")
    return folder
