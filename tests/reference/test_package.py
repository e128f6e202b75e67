"""Package-level guarantees of reference/: its import boundary and public names."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import reference

PACKAGE_DIR = Path(reference.__file__).parent
SOURCES = sorted(PACKAGE_DIR.glob("*.py"))

# every name EXERCISES.md fixes, by exercise
CONTRACT = {
    "ex01": ["step_function", "sigmoid", "relu", "identity_function", "forward"],
    "ex02": ["softmax", "cross_entropy_error", "mean_squared_error", "one_hot"],
    "ex03": ["d_sigmoid", "d_relu", "d_softmax_with_loss", "d_mean_squared_error", "backward"],
    "ex04": ["SGD", "Momentum", "AdaGrad", "RMSprop", "Adam"],
    "ex05": ["conv_output_size", "im2col", "col2im"],
    "ex06": ["numerical_diff", "numerical_gradient"],
    "ex07": ["Relu", "Sigmoid", "Affine", "SoftmaxWithLoss", "Dropout", "BatchNormalization"],
    "ex08": ["Convolution", "Pooling"],
    "ex09": ["xavier_init", "he_init", "l2_penalty", "l2_grad", "l1_penalty", "l1_grad"],
    "ex10": ["train", "predict"],
    "ex11": ["RNN", "TimeRNN", "clip_grads"],
    "ex12": ["LSTM", "TimeLSTM", "GRU"],
    "ex13": [
        "scaled_dot_product_attention",
        "ScaledDotProductAttention",
        "LayerNorm",
        "positional_encoding",
        "MultiHeadAttention",
        "TransformerEncoderBlock",
    ],
    "ex14": ["Embedding", "EmbeddingDot", "UnigramSampler", "NegativeSamplingLoss"],
}
CONTRACT_NAMES = [name for names in CONTRACT.values() for name in names]


def imported_top_level_modules(path: Path) -> set[str]:
    """Top-level names of the absolute imports in a source file."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.partition(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names.add(node.module.partition(".")[0])
    return names


def allowed(module: str) -> bool:
    return module in sys.stdlib_module_names or module in {"numpy", "__future__", "reference"}


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_sources_import_only_numpy_and_the_standard_library(path):
    offending = sorted(m for m in imported_top_level_modules(path) if not allowed(m))
    assert not offending, f"{path.name} imports {offending}"


def loaded_modules(statement: str) -> set[str]:
    """Top-level names in sys.modules after running `statement` in a fresh interpreter."""
    code = f"import sys; {statement}; print('\\n'.join(sys.modules))"
    completed = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=PACKAGE_DIR.parent
    )
    return {name.partition(".")[0] for name in completed.stdout.split()}


def test_importing_reference_loads_no_third_party_module():
    # compared with a bare interpreter, whose site hooks may load things of their own
    added = loaded_modules("import reference") - loaded_modules("pass")
    offending = sorted(m for m in added if not allowed(m))
    # NumPy may load private helpers of its own (leading underscore), never another package
    assert all(m.startswith("_") for m in offending), offending


@pytest.mark.parametrize("path", SOURCES, ids=[p.name for p in SOURCES])
def test_sources_use_postponed_annotations(path):
    assert "from __future__ import annotations" in path.read_text(encoding="utf-8") or path.name == "__init__.py"


def test_all_is_exactly_the_contract():
    assert sorted(reference.__all__) == sorted(CONTRACT_NAMES)
    assert len(reference.__all__) == len(set(reference.__all__))


@pytest.mark.parametrize("name", CONTRACT_NAMES)
def test_contract_name_is_importable_and_documented(name):
    obj = getattr(reference, name)
    assert inspect.getdoc(obj), f"{name} has no docstring"
    if inspect.isclass(obj):
        for method_name, method in inspect.getmembers(obj, inspect.isfunction):
            if not method_name.startswith("_"):
                assert inspect.getdoc(method), f"{name}.{method_name} has no docstring"


@pytest.mark.parametrize(
    ("name", "parameters"),
    [
        ("forward", ["network", "x"]),
        ("cross_entropy_error", ["d", "y"]),
        ("mean_squared_error", ["d", "y"]),
        ("one_hot", ["labels", "num_classes"]),
        ("d_softmax_with_loss", ["d", "y"]),
        ("d_mean_squared_error", ["d", "y"]),
        ("backward", ["network", "x", "d", "z1", "y"]),
        ("conv_output_size", ["input_size", "filter_size", "stride", "pad"]),
        ("im2col", ["input_data", "filter_h", "filter_w", "stride", "pad"]),
        ("col2im", ["col", "input_shape", "filter_h", "filter_w", "stride", "pad"]),
        ("numerical_diff", ["f", "x"]),
        ("numerical_gradient", ["f", "x"]),
        ("xavier_init", ["n_in", "n_out", "rng"]),
        ("he_init", ["n_in", "n_out", "rng"]),
        ("l2_penalty", ["weights", "lam"]),
        ("l2_grad", ["W", "lam"]),
        ("train", ["x_train", "t_train"]),
        ("predict", ["params", "x"]),
        ("Affine", ["W", "b"]),
        ("Dropout", ["dropout_ratio", "rng"]),
        ("BatchNormalization", ["gamma", "beta", "momentum", "running_mean", "running_var"]),
        ("Convolution", ["W", "b", "stride", "pad"]),
        ("Pooling", ["pool_h", "pool_w", "stride", "pad"]),
        ("Momentum", ["lr", "momentum"]),
        ("RMSprop", ["lr", "decay_rate"]),
        ("Adam", ["lr", "beta1", "beta2"]),
        ("RNN", ["Wx", "Wh", "b"]),
        ("TimeRNN", ["Wx", "Wh", "b", "stateful"]),
        ("clip_grads", ["grads", "max_norm"]),
        ("LSTM", ["Wx", "Wh", "b"]),
        ("TimeLSTM", ["Wx", "Wh", "b", "stateful"]),
        ("GRU", ["Wx", "Wh", "b"]),
        ("scaled_dot_product_attention", ["Q", "K", "V", "mask"]),
        ("LayerNorm", ["gamma", "beta", "eps"]),
        ("positional_encoding", ["T", "d_model"]),
        ("MultiHeadAttention", ["Wq", "Wk", "Wv", "Wo", "num_heads"]),
        ("TransformerEncoderBlock", ["params", "num_heads"]),
        ("Embedding", ["W"]),
        ("EmbeddingDot", ["W"]),
        ("UnigramSampler", ["corpus", "power", "sample_size", "rng"]),
        ("NegativeSamplingLoss", ["W", "corpus", "power", "sample_size", "rng"]),
    ],
)
def test_contract_argument_order(name, parameters):
    assert list(inspect.signature(getattr(reference, name)).parameters) == parameters
