"""ex09's sample statistics: block-wise ``_moments`` agrees with the textbook formulas; one sample, two checks."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from grader.checks.ex09_init_regularization import (
    HE,
    MOMENTS_BLOCK,
    N_IN,
    N_OUT,
    SAMPLE,
    XAVIER,
    _constant,
    _moments,
    build_checks,
)
from grader.grading.engine import Check
from grader.sandbox.client import Output, ProbeRun

FORMULAS = {"xavier_init": XAVIER.formula, "he_init": HE.formula}


def _textbook(values: np.ndarray) -> tuple[float, float, float]:
    values = values.astype(np.float64).ravel()
    mean = values.mean()
    variance = ((values - mean) ** 2).mean()
    return mean, np.sqrt(variance), ((values - mean) ** 4).mean() / variance**2 - 3.0


RNG = np.random.default_rng(7)
SAMPLES = {
    "normal (250, 400)": RNG.normal(0.0, 0.06, size=(250, 400)),
    "uniform, mean 0.5": RNG.random(SAMPLE),
    "one block and one more": RNG.normal(3.0, 2.0, size=MOMENTS_BLOCK + 1),
    "shorter than a block": RNG.standard_normal(17),
    "float32 ints": RNG.integers(-5, 5, size=(30, 40)).astype(np.float32),
    "int64": RNG.integers(-5, 5, size=1000),
}


@pytest.mark.parametrize("name", SAMPLES)
def test_moments_agree_with_the_formulas(name: str):
    mean, std, kurtosis = _textbook(SAMPLES[name])
    moments = _moments(SAMPLES[name])
    assert moments.mean == pytest.approx(mean, rel=1e-12, abs=1e-15)
    assert moments.std == pytest.approx(std, rel=1e-10)
    assert moments.kurtosis == pytest.approx(kurtosis, rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("value", [0.0, -2.0, 0.25])
def test_a_constant_sample_has_std_exactly_zero_and_no_kurtosis(value: float):
    sample = np.full(MOMENTS_BLOCK * 3 + 5, value)
    moments = _moments(sample)
    assert moments.std == 0.0
    assert np.isnan(moments.kurtosis)
    assert _constant(sample) is not None


def test_one_differing_value_in_the_last_block_is_not_constant():
    sample = np.zeros(MOMENTS_BLOCK * 2 + 3)
    sample[-1] = 1e-100
    moments = _moments(sample)
    assert moments.std > 0
    assert np.isnan(moments.kurtosis)  # a variance of 1e-205 squared underflows: no kurtosis, and no crash
    assert _constant(sample) is None


def test_nan_and_inf_give_nan_not_a_pass():
    for bad in (np.nan, np.inf):
        sample = RNG.standard_normal(MOMENTS_BLOCK + 10)
        sample[5] = bad
        moments = _moments(sample)
        assert not np.isfinite(moments.std)


@pytest.mark.parametrize(
    "bad",
    [[np.nan], [np.inf], [-np.inf], [np.inf, -np.inf], [1e200], [1e200, -1e200], [1e-200]],
    ids=["nan", "inf", "-inf", "both infs", "1e200", "+-1e200", "1e-200"],
)
def test_a_learners_nan_inf_or_huge_values_make_no_numpy_warning(bad):
    """A warning would reach the learner's terminal as the grader's own noise, beside the verdict."""
    sample = RNG.standard_normal(2 * MOMENTS_BLOCK + 3)
    sample[7 : 7 + len(bad)] = bad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        moments = _moments(sample)
        constant = _moments(np.full(10, bad[0]))
    if bad != [1e-200]:  # a tiny value among standard normal draws changes nothing; the others fail
        assert not (np.isfinite(moments.std) and abs(moments.std - 1) < 0.5)
    assert not np.isfinite(constant.kurtosis)  # no spread (or none that is finite): no kurtosis


def test_an_empty_sample_is_nan_not_an_error():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        moments = _moments(np.zeros((0, 4)))
    assert np.isnan(moments.mean)
    assert np.isnan(moments.std)
    assert np.isnan(moments.kurtosis)


def _sample_checks(name: str) -> tuple[Check, Check]:
    checks = {check.name: check for check in build_checks()}
    return checks[f"{name}: mean 0 and standard deviation {FORMULAS[name]}"], checks[
        f"{name}: normally distributed, not uniform"
    ]


def _run(sample: np.ndarray) -> ProbeRun:
    return ProbeRun("ok", {"W": Output("W", "array", "ndarray", sample)})


@pytest.mark.parametrize("name", ["xavier_init", "he_init"])
def test_the_scale_and_the_kurtosis_check_judge_one_sample_each_by_its_own_statistic(name):
    scale, kurtosis = _sample_checks(name)
    assert scale.probe is kurtosis.probe  # one probe: the grading runs it, and sends its 100 000 numbers, once
    calls = [step for step in scale.probe.steps if step["op"] == "call"]
    assert [(step["target"], step["args"][:2]) for step in calls] == [(name, [{"lit": N_IN}, {"lit": N_OUT}])]
    std = {"xavier_init": XAVIER.std, "he_init": HE.std}[name]
    normal = RNG.normal(0.0, std, size=(N_IN, N_OUT))
    uniform = RNG.uniform(-np.sqrt(3.0) * std, np.sqrt(3.0) * std, size=(N_IN, N_OUT))  # the same std
    verdicts = {
        label: (scale.verify(_run(sample)).passed, kurtosis.verify(_run(sample)).passed)
        for label, sample in (("normal", normal), ("uniform", uniform), ("twice the std", 2.0 * normal))
    }
    assert verdicts == {"normal": (True, True), "uniform": (True, False), "twice the std": (False, True)}
