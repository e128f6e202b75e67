"""Tests for reference.im2col (ex05)."""

from __future__ import annotations

import numpy as np
import pytest

from reference import col2im, conv_output_size, im2col

# (input_shape, filter_h, filter_w, stride, pad)
CONFIGS = [
    pytest.param((1, 1, 3, 3), 2, 2, 1, 0, id="1x1x3x3-f2"),
    pytest.param((2, 3, 5, 5), 3, 3, 1, 1, id="2x3x5x5-f3-pad1"),
    pytest.param((2, 3, 7, 6), 3, 2, 2, 1, id="2x3x7x6-f3x2-stride2-pad1"),
    pytest.param((3, 2, 6, 6), 2, 2, 2, 0, id="pool-2x2-stride2"),
    pytest.param((1, 2, 6, 5), 3, 3, 2, 0, id="stride-leaves-remainder"),
    pytest.param((2, 2, 4, 4), 1, 1, 1, 0, id="1x1-filter"),
    pytest.param((1, 1, 3, 4), 3, 4, 1, 0, id="filter-as-large-as-image"),
]


# --- conv_output_size ------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        # Deep Learning from Scratch, figures 7-6 and 7-7
        pytest.param((4, 3, 1, 1), 4, id="4-f3-pad1"),
        pytest.param((7, 3, 2, 0), 3, id="7-f3-stride2"),
        pytest.param((28, 5, 1, 0), 24, id="28-f5"),
        pytest.param((4, 2, 2, 0), 2, id="pool-4-f2-stride2"),
        pytest.param((5, 2, 2, 0), 2, id="floor-drops-incomplete-window"),
        pytest.param((3, 3, 1, 0), 1, id="filter-equals-input"),
        pytest.param((1, 3, 1, 1), 1, id="padding-makes-room"),
    ],
)
def test_conv_output_size_values(args, expected):
    assert conv_output_size(*args) == expected
    assert type(conv_output_size(*args)) is int


def test_conv_output_size_defaults_are_stride_1_pad_0():
    assert conv_output_size(5, 3) == 3


@pytest.mark.parametrize(
    ("args", "error", "match"),
    [
        pytest.param(
            (3, 5, 1, 0),
            ValueError,
            r"conv_output_size: a filter size of 5 does not fit an input size of 3 padded "
            r"by 0 on each side \(the output size would be -1\)",
            id="filter-larger-than-input",
        ),
        pytest.param((5, 3, 0, 0), ValueError, r"expects stride >= 1; got 0", id="stride-0"),
        pytest.param((5, 3, 1, -1), ValueError, r"expects pad >= 0; got -1", id="negative-pad"),
        pytest.param(
            (5.0, 3, 1, 0),
            TypeError,
            r"expects input size to be an int; got float 5\.0",
            id="float-size",
        ),
        pytest.param((5, 3, True, 0), TypeError, r"expects stride to be an int; got bool", id="bool"),
    ],
)
def test_conv_output_size_validation(args, error, match):
    with pytest.raises(error, match=match):
        conv_output_size(*args)


# --- im2col: hand-worked -----------------------------------------------------


def test_im2col_2x2_windows_of_a_3x3_image():
    x = np.arange(9.0).reshape(1, 1, 3, 3)  # [[0 1 2] [3 4 5] [6 7 8]]
    expected = [[0, 1, 3, 4], [1, 2, 4, 5], [3, 4, 6, 7], [4, 5, 7, 8]]
    np.testing.assert_array_equal(im2col(x, 2, 2), expected)


def test_im2col_columns_are_channel_major():
    x = np.arange(18.0).reshape(1, 2, 3, 3)  # channel 1 is channel 0 + 9
    col = im2col(x, 2, 2)
    assert col.shape == (4, 8)
    np.testing.assert_array_equal(col[0], [0, 1, 3, 4, 9, 10, 12, 13])
    np.testing.assert_array_equal(col[3], [4, 5, 7, 8, 13, 14, 16, 17])


def test_im2col_rows_are_sample_major():
    x = np.arange(18.0).reshape(2, 1, 3, 3)  # sample 1 is sample 0 + 9
    col = im2col(x, 2, 2)
    assert col.shape == (8, 4)
    np.testing.assert_array_equal(col[4:], col[:4] + 9)


def test_im2col_zero_padding_and_stride():
    # padded 5x5 image, 2x2 windows at (0, 0), (0, 2), (2, 0), (2, 2)
    x = np.arange(1.0, 10.0).reshape(1, 1, 3, 3)  # [[1 2 3] [4 5 6] [7 8 9]]
    expected = [[0, 0, 0, 1], [0, 0, 2, 3], [0, 4, 0, 7], [5, 6, 8, 9]]
    np.testing.assert_array_equal(im2col(x, 2, 2, stride=2, pad=1), expected)


@pytest.mark.parametrize(
    ("shape", "expected"),
    [
        # Deep Learning from Scratch, section 7.4.3
        pytest.param((1, 3, 7, 7), (9, 75), id="textbook-x1"),
        pytest.param((10, 3, 7, 7), (90, 75), id="textbook-x2"),
    ],
)
def test_im2col_textbook_shapes(shape, expected):
    assert im2col(np.random.default_rng(0).random(shape), 5, 5, stride=1, pad=0).shape == expected


def test_im2col_of_ints_is_float64():
    assert im2col(np.ones((1, 1, 2, 2), dtype=int), 1, 1).dtype == np.float64


# --- col2im: hand-worked -----------------------------------------------------


def test_col2im_adds_overlapping_windows():
    # every entry 1: each pixel gets the number of 2x2 windows covering it
    out = col2im(np.ones((4, 4)), (1, 1, 3, 3), 2, 2)
    np.testing.assert_array_equal(out[0, 0], [[1, 2, 1], [2, 4, 2], [1, 2, 1]])


def test_col2im_cuts_padding_off():
    # 3x3 windows over a 3x3 image padded by 1: 9 windows; a pixel is in
    # 4 (corner), 6 (edge) or 9 (centre) of them
    out = col2im(np.ones((9, 9)), (1, 1, 3, 3), 3, 3, stride=1, pad=1)
    assert out.shape == (1, 1, 3, 3)
    np.testing.assert_array_equal(out[0, 0], [[4, 6, 4], [6, 9, 6], [4, 6, 4]])


def test_col2im_undoes_im2col_for_non_overlapping_windows():
    x = np.random.default_rng(0).normal(size=(2, 3, 4, 4))
    np.testing.assert_array_equal(col2im(im2col(x, 2, 2, stride=2), x.shape, 2, 2, stride=2), x)


# --- adjoint -----------------------------------------------------------------


@pytest.mark.parametrize(("shape", "fh", "fw", "stride", "pad"), CONFIGS)
def test_col2im_is_the_adjoint_of_im2col(shape, fh, fw, stride, pad):
    generator = np.random.default_rng(3)
    x = generator.normal(size=shape)
    col_shape = im2col(x, fh, fw, stride, pad).shape
    c = generator.normal(size=col_shape)
    lhs = np.sum(im2col(x, fh, fw, stride, pad) * c)
    rhs = np.sum(x * col2im(c, shape, fh, fw, stride, pad))
    assert lhs == pytest.approx(rhs, rel=1e-12, abs=1e-12)


# --- inputs are not modified ---------------------------------------------------


@pytest.mark.parametrize(("shape", "fh", "fw", "stride", "pad"), CONFIGS)
def test_inputs_are_not_modified_and_outputs_are_fresh_arrays(shape, fh, fw, stride, pad):
    x = np.random.default_rng(4).normal(size=shape)
    x_before = x.copy()
    col = im2col(x, fh, fw, stride, pad)
    np.testing.assert_array_equal(x, x_before)
    assert col.flags.writeable
    assert not np.shares_memory(col, x)

    col_before = col.copy()
    img = col2im(col, shape, fh, fw, stride, pad)
    np.testing.assert_array_equal(col, col_before)
    assert not np.shares_memory(img, col)


# --- validation messages -------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        pytest.param(
            lambda: im2col(np.zeros((5, 5)), 3, 3),
            ValueError,
            r"im2col expects input_data of shape \(N, C, H, W\); got \(5, 5\)",
            id="im2col-2d",
        ),
        pytest.param(
            lambda: im2col(np.zeros((1, 1, 3, 3)), 5, 3),
            ValueError,
            r"im2col: a filter height of 5 does not fit an input height of 3 padded by 0",
            id="im2col-filter-too-tall",
        ),
        pytest.param(
            lambda: im2col(np.zeros((1, 1, 3, 3)), 3, 3, stride=0),
            ValueError,
            r"im2col expects stride >= 1; got 0",
            id="im2col-stride-0",
        ),
        pytest.param(
            lambda: col2im(np.zeros((4, 3)), (1, 1, 3, 3), 2, 2),
            ValueError,
            r"col2im expects col of shape \(4, 4\) for input_shape \(1, 1, 3, 3\), a 2x2 "
            r"filter, stride 1 and pad 0; got \(4, 3\)",
            id="col2im-col-shape",
        ),
        pytest.param(
            lambda: col2im(np.zeros((4, 4)), (3, 3), 2, 2),
            ValueError,
            r"col2im expects input_shape \(N, C, H, W\); got \(3, 3\)",
            id="col2im-input-shape",
        ),
    ],
)
def test_validation_messages(call, error, match):
    with pytest.raises(error, match=match):
        call()


# --- PyTorch cross-check -------------------------------------------------------


@pytest.mark.parametrize(("shape", "fh", "fw", "stride", "pad"), CONFIGS)
def test_im2col_and_col2im_match_pytorch_unfold_and_fold(shape, fh, fw, stride, pad):
    torch = pytest.importorskip("torch")
    functional = torch.nn.functional
    N, C, H, W = shape
    x = np.random.default_rng(5).normal(size=shape)
    # unfold: (N, C * fh * fw, L), columns ordered (c, fy, fx), L ordered (oy, ox)
    unfolded = functional.unfold(torch.from_numpy(x), (fh, fw), padding=pad, stride=stride)
    expected = unfolded.transpose(1, 2).reshape(-1, C * fh * fw).numpy()
    col = im2col(x, fh, fw, stride, pad)
    np.testing.assert_array_equal(col, expected)

    c = np.random.default_rng(6).normal(size=col.shape)
    blocks = torch.from_numpy(c).reshape(N, -1, C * fh * fw).transpose(1, 2)
    folded = functional.fold(blocks, (H, W), (fh, fw), padding=pad, stride=stride).numpy()
    np.testing.assert_allclose(col2im(c, shape, fh, fw, stride, pad), folded, rtol=1e-12, atol=1e-14)
