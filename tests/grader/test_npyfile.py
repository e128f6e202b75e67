"""Reading ``.npy`` bytes that came from a submission: right arrays, or ``ValueError``, nothing else."""

from __future__ import annotations

import io

import numpy as np
import pytest

from grader.sandbox import npyfile


@pytest.mark.parametrize(
    "array",
    [
        np.arange(6.0).reshape(2, 3),
        np.arange(6.0).reshape(3, 2),  # the same bytes of values under another header
        np.asfortranarray(np.arange(12.0).reshape(3, 4)),
        np.array(2.5),
        np.zeros((0, 3)),
        np.arange(5, dtype=">i4"),
        np.array([True, False]),
        np.array([1 + 2j], dtype=np.complex64),
    ],
    ids=["2x3", "3x2", "fortran", "0-d", "empty", "big-endian", "bool", "complex"],
)
def test_what_numpy_writes_reads_back_as_numpy_reads_it(array):
    data = npyfile.to_bytes(array)
    buffer = io.BytesIO()
    np.save(buffer, array)
    for written in (data, buffer.getvalue()):
        for _ in range(2):  # the second reading of a header is the remembered one
            got = npyfile.from_bytes(written)
            expected = np.load(io.BytesIO(written), allow_pickle=False)
            assert got.dtype == expected.dtype
            assert got.shape == expected.shape
            np.testing.assert_array_equal(got, expected)


def test_an_array_read_from_a_view_owns_its_values():
    first, second = npyfile.to_bytes(np.arange(4.0)), npyfile.to_bytes(np.ones(4))
    stream = memoryview(first + second)
    a = npyfile.from_bytes(stream[: len(first)])
    b = npyfile.from_bytes(stream[len(first) :])
    a[0] = 99.0
    np.testing.assert_array_equal(b, np.ones(4))
    np.testing.assert_array_equal(npyfile.from_bytes(stream[: len(first)]), np.arange(4.0))
    assert a.flags.writeable
    assert a.flags.aligned


def test_two_readings_of_one_header_are_two_arrays():
    data = npyfile.to_bytes(np.zeros(3))
    a, b = npyfile.from_bytes(data), npyfile.from_bytes(data)
    a += 1.0
    np.testing.assert_array_equal(b, np.zeros(3))


@pytest.mark.parametrize("descr", ["<f3", "<i0", "<u9999", "<b2"])
def test_a_header_naming_a_dtype_numpy_does_not_have_is_a_value_error(descr):
    data = npyfile.to_bytes(np.arange(3.0)).replace(b"'<f8'", f"'{descr}'".encode())
    with pytest.raises(ValueError, match="dtype"):
        npyfile.from_bytes(data)


def test_a_header_whose_shape_the_data_does_not_fill_is_refused_even_when_remembered():
    right = npyfile.to_bytes(np.arange(5.0))
    npyfile.from_bytes(right)  # the header is now remembered
    with pytest.raises(ValueError, match="shape"):
        npyfile.from_bytes(right[:-8])
    with pytest.raises(ValueError, match="shape"):
        npyfile.from_bytes(right + b"\x00" * 8)


def test_the_remembered_headers_stay_few_whatever_a_submission_returns():
    for size in range(3 * npyfile._HEADERS_KEPT):
        assert npyfile.from_bytes(npyfile.to_bytes(np.zeros(size))).shape == (size,)
    assert len(npyfile._HEADERS) <= npyfile._HEADERS_KEPT
