"""Checks for exercise 5: convolution as a matrix product (im2col / col2im).

The inputs are chosen so that each classic mistake changes the answer:
N = 2 and C = 3 (so the row and column orders matter), non-square images
(5 x 7) and filters (3 x 2), stride 2 with windows that do not tile the image,
padding 1, and stride < filter size so that windows overlap in ``col2im``.

Wrong answers are recognised by recomputing them here, in the grader:
every wrong order of the rows (n, out_y, out_x) and of the columns
(c, filter_y, filter_x), a reshape without transpose, a stride that is not
applied, padding of the wrong size or value, and a ``col2im`` that overwrites
overlapping windows or does not cut the padding off.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from functools import partial

import numpy as np

from grader.checks.common import call_probe, generator
from grader.checks.verdicts import Later, Variant, close, is_close, matching_variant, unchanged, value_of
from grader.grading.compare import abbreviate
from grader.grading.engine import Check
from grader.grading.results import Verdict
from grader.sandbox.client import Output, Probe, ProbeRun, Ref
from grader.text import Text, plain
from reference import col2im, conv_output_size, im2col

SHAPE = (2, 3, 5, 7)
ROW_AXES = ("n", "out_y", "out_x")
COLUMN_AXES = ("c", "filter_y", "filter_x")
RTOL = 1e-9
ATOL = 1e-12

# ---------------------------------------------------------------------------
# wrong answers, recomputed in the grader
# ---------------------------------------------------------------------------


def _windows(padded: np.ndarray, filter_h: int, filter_w: int, step: int, out_h: int, out_w: int) -> np.ndarray | None:
    """Windows of already padded images, laid out (N, out_h, out_w, C, FH, FW).

    ``step`` is how far apart the windows start; ``None`` when the windows run
    off the image (the mistake would have raised an exception instead).
    """
    N, C, H, W = padded.shape
    if (out_h - 1) * step + filter_h > H or (out_w - 1) * step + filter_w > W:
        return None
    six = np.empty((N, out_h, out_w, C, filter_h, filter_w), dtype=np.float64)
    for oy in range(out_h):
        for ox in range(out_w):
            y, x = oy * step, ox * step
            six[:, oy, ox] = padded[:, :, y : y + filter_h, x : x + filter_w]
    return six


def _matrix(six: np.ndarray | None) -> np.ndarray | None:
    if six is None:
        return None
    N, out_h, out_w = six.shape[:3]
    return six.reshape(N * out_h * out_w, -1)


def _pad(x: np.ndarray, pad: int, **options) -> np.ndarray:
    return np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], **options)


def _sizes(shape: Sequence[int], filter_h: int, filter_w: int, stride: int, pad: int) -> tuple[int, int]:
    return (
        conv_output_size(shape[2], filter_h, stride, pad),
        conv_output_size(shape[3], filter_w, stride, pad),
    )


def _six_shape(shape: Sequence[int], filter_h: int, filter_w: int, stride: int, pad: int) -> tuple[int, ...]:
    out_h, out_w = _sizes(shape, filter_h, filter_w, stride, pad)
    return (shape[0], out_h, out_w, shape[1], filter_h, filter_w)


def _axes_text(axes: Sequence[int], names: Sequence[str]) -> str:
    return "(" + ", ".join(names[i] for i in axes) + ")"


def _order_text(layout: Sequence[int]) -> Text:
    """Say which of rows and columns a layout of the six window axes gets wrong."""
    names = ROW_AXES + COLUMN_AXES
    rows, columns = tuple(layout[:3]), tuple(layout[3:])
    if sorted(rows) != [0, 1, 2]:
        return Text(
            f"rows and columns are mixed up: your matrix is laid out {_axes_text(layout, names)} "
            "before the final reshape; gather (N, C, FH, FW, out_h, out_w), then "
            "transpose(0, 4, 5, 1, 2, 3) so that n, out_y, out_x come first",
            f"行と列が混ざっています。最後の reshape の前の並びが {_axes_text(layout, names)} です。"
            "(N, C, FH, FW, out_h, out_w) に集めてから transpose(0, 4, 5, 1, 2, 3) で "
            "n, out_y, out_x を先頭にしてください",
        )
    row_text = _axes_text(rows, names)
    column_text = _axes_text(columns, names)
    parts_en, parts_ja = [], []
    if rows != (0, 1, 2):
        parts_en.append(f"the rows are ordered {row_text}; they must be (n, out_y, out_x): image first")
        parts_ja.append(f"行の並びが {row_text} です。正しくは (n, out_y, out_x)(画像が最初)")
    else:
        parts_en.append("the rows are in the right order (n, out_y, out_x)")
        parts_ja.append("行の並び (n, out_y, out_x) は正しい")
    if columns != (3, 4, 5):
        parts_en.append(
            f"the columns are ordered {column_text}; they must be (c, filter_y, filter_x): "
            "channel first, as W.reshape(FN, -1) flattens the filters"
        )
        parts_ja.append(
            f"列の並びが {column_text} です。正しくは (c, filter_y, filter_x)"
            "(W.reshape(FN, -1) と同じくチャンネルが最初)"
        )
    else:
        parts_en.append("the columns are in the right order (c, filter_y, filter_x)")
        parts_ja.append("列の並び (c, filter_y, filter_x) は正しい")
    return Text("; ".join(parts_en), "。".join(parts_ja))


def _layouts() -> list[tuple[int, ...]]:
    """Wrong layouts of the axes (n, out_y, out_x, c, filter_y, filter_x), classic first."""
    classic = [
        (0, 1, 2, 4, 5, 3),  # columns (filter_y, filter_x, c): channels-last habit
        (1, 2, 0, 3, 4, 5),  # rows (out_y, out_x, n)
        (1, 2, 0, 4, 5, 3),
        (0, 3, 4, 5, 1, 2),  # (N, C, FH, FW, out_h, out_w) reshaped without transpose
        (0, 4, 5, 3, 1, 2),
    ]
    others = [
        rows + columns
        for rows in itertools.permutations((0, 1, 2))
        for columns in itertools.permutations((3, 4, 5))
        if rows + columns != (0, 1, 2, 3, 4, 5) and rows + columns not in classic
    ]
    return classic + others


LAYOUTS = _layouts()


def _layout_hint(layout: tuple[int, ...]) -> Text:
    if layout == (0, 3, 4, 5, 1, 2):
        return Text(
            "you reshaped (N, C, FH, FW, out_h, out_w) to 2-D without transposing, so one row "
            "is not one window; transpose(0, 4, 5, 1, 2, 3) first, then reshape(N * out_h * out_w, -1)",
            "(N, C, FH, FW, out_h, out_w) を transpose せずに 2 次元へ reshape したため、1 行が"
            "1 つのウィンドウになっていません。transpose(0, 4, 5, 1, 2, 3) してから "
            "reshape(N * out_h * out_w, -1) してください",
        )
    return _order_text(layout)


NO_PLUS_ONE = Text(
    "the last row and the last column of windows are missing: the + 1 of the output size is missing, "
    "out_h = (H + 2 * pad - filter_h) // stride + 1 counts the window at position 0 too (likewise out_w)",
    "ウィンドウの最後の行と最後の列がありません。出力サイズの + 1 が抜けています。"
    "out_h = (H + 2 * pad - filter_h) // stride + 1 は位置 0 のウィンドウも数えます(out_w も同様)",
)
NO_PLUS_ONE_OR_PAD = Text(
    "the last row and the last column of windows are missing: out_h = (H + 2 * pad - filter_h) // stride + 1 "
    "needs both the + 1 (the window at position 0 counts too) and the padding of both sides, 2 * pad; "
    "on this input, losing either one loses exactly these windows (likewise out_w)",
    "ウィンドウの最後の行と最後の列がありません。out_h = (H + 2 * pad - filter_h) // stride + 1 には + 1"
    "(位置 0 のウィンドウも数える)と両側のパディング 2 * pad の両方が必要です。この入力では、"
    "どちらが抜けてもちょうどこのウィンドウが失われます(out_w も同様)",
)
TRANSPOSED_READ = Text(
    "col2im reads col as its transpose (C * FH * FW, N * out_h * out_w), as if im2col wrote one column per "
    "window; im2col's matrix has one ROW per window (N * out_h * out_w rows, see the im2col checks): undo it "
    "exactly, col.reshape(N, out_h, out_w, C, FH, FW).transpose(0, 3, 4, 5, 1, 2)",
    "col2im が col をその転置 (C * FH * FW, N * out_h * out_w) として、つまり im2col がウィンドウ 1 つを 1 列に"
    "書いたかのように読んでいます。im2col の行列はウィンドウ 1 つが 1 行(N * out_h * out_w 行、im2col のチェックを"
    "参照)です。その逆の手順で col.reshape(N, out_h, out_w, C, FH, FW).transpose(0, 3, 4, 5, 1, 2) としてください",
)


def _im2col_variants(x: np.ndarray, filter_h: int, filter_w: int, stride: int, pad: int) -> list[Variant]:
    """Wrong answers of im2col on this input, each with the misconception behind it."""
    expected = im2col(x, filter_h, filter_w, stride, pad)
    six = expected.reshape(_six_shape(x.shape, filter_h, filter_w, stride, pad))
    R, K = expected.shape
    variants = [Variant(six.transpose(layout).reshape(R, K), _layout_hint(layout)) for layout in LAYOUTS]
    variants.append(
        Variant(
            six.transpose(0, 3, 4, 5, 1, 2).reshape(K, R).T,
            Text(
                "you reshaped (N, C, FH, FW, out_h, out_w) to (C * FH * FW, -1) and transposed: "
                "n must stay the outermost axis of the rows; use transpose(0, 4, 5, 1, 2, 3) "
                "then reshape(N * out_h * out_w, -1)",
                "(N, C, FH, FW, out_h, out_w) を (C * FH * FW, -1) に reshape してから転置しています。"
                "行では n が一番外側です。transpose(0, 4, 5, 1, 2, 3) の後に "
                "reshape(N * out_h * out_w, -1) してください",
            ),
        )
    )
    out_h, out_w = _sizes(x.shape, filter_h, filter_w, stride, pad)
    if out_h > 1 and out_w > 1:
        # the same windows, less the last row and column of them: a shape of its own, judged before
        # the shape hints (padding on one side can give the same number of rows)
        short = six[:, : out_h - 1, : out_w - 1]
        # with pad 1 and stride 1, counting the padding once loses the same windows as a missing + 1
        same = (x.shape[2] + pad - filter_h) // stride + 1 == out_h - 1 and (
            x.shape[3] + pad - filter_w
        ) // stride + 1 == out_w - 1
        variants.append(Variant(short.reshape(-1, K), NO_PLUS_ONE_OR_PAD if pad and same else NO_PLUS_ONE))
    mistakes: list[tuple[np.ndarray | None, Text]] = []
    if stride > 1:
        mistakes.append(
            (
                _matrix(_windows(_pad(x, pad), filter_h, filter_w, 1, out_h, out_w)),
                Text(
                    "the windows start 1 pixel apart: the stride is not applied; window (out_y, out_x) "
                    "starts at (out_y * stride, out_x * stride): slice with a step, "
                    "img[:, :, y:y_max:stride, x:x_max:stride]",
                    "ウィンドウが 1 画素ずつしか動いていません(stride が使われていません)。"
                    "ウィンドウ (out_y, out_x) の左上は (out_y * stride, out_x * stride) です。"
                    "img[:, :, y:y_max:stride, x:x_max:stride] のようにステップ付きで切り出してください",
                ),
            )
        )
    if pad > 0:
        mistakes += [
            (
                _matrix(_windows(_pad(x, 2 * pad), filter_h, filter_w, stride, out_h, out_w)),
                Text(
                    f"the image is padded by 2 * pad = {2 * pad} on each side; pad is the width "
                    "added on EACH side (the 2 * pad of the size formula counts both sides)",
                    f"各辺に 2 * pad = {2 * pad} のパディングをしています。pad は片側に加える幅です"
                    "(サイズの式の 2 * pad は両側の合計です)",
                ),
            ),
            (
                _matrix(_windows(_pad(x, pad, mode="edge"), filter_h, filter_w, stride, out_h, out_w)),
                Text(
                    "the padding repeats the border pixels; it must be zeros: "
                    "np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], 'constant')",
                    "パディングが端の画素の繰り返しになっています。0 で埋めてください: "
                    "np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], 'constant')",
                ),
            ),
            (
                _matrix(_windows(_pad(x, pad, constant_values=1.0), filter_h, filter_w, stride, out_h, out_w)),
                Text(
                    "the padding is filled with ones; it must be zeros (np.zeros, or np.pad's default)",
                    "パディングが 1 で埋められています。0 で埋めてください(np.zeros や np.pad の既定値)",
                ),
            ),
        ]
    variants += [Variant(value, hint) for value, hint in mistakes if value is not None]
    return variants


def _im2col_shape_hints(
    shape: Sequence[int], filter_h: int, filter_w: int, stride: int, pad: int
) -> list[tuple[tuple[int, ...], Text]]:
    """Shapes a wrong im2col returns, each with the misconception behind it."""
    N, C, H, W = shape
    out_h, out_w = _sizes(shape, filter_h, filter_w, stride, pad)
    R, K = N * out_h * out_w, C * filter_h * filter_w
    hints: list[tuple[tuple[int, ...], Text]] = [
        (
            (K, R),
            Text(
                "rows and columns are swapped: one ROW per window (N * out_h * out_w rows), "
                "one column per (c, filter_y, filter_x)",
                "行と列が入れ替わっています。ウィンドウ 1 つが 1 行(N * out_h * out_w 行)で、"
                "列が (c, filter_y, filter_x) です",
            ),
        ),
        (
            (R, filter_h * filter_w),
            Text(
                "the channel axis is missing from the columns: C * filter_h * filter_w columns",
                "列にチャンネルの軸がありません。列数は C * filter_h * filter_w です",
            ),
        ),
        (
            (N, out_h, out_w, C, filter_h, filter_w),
            Text(
                "return a 2-D matrix: reshape(N * out_h * out_w, -1) at the end",
                "2 次元の行列を返してください。最後に reshape(N * out_h * out_w, -1) します",
            ),
        ),
        (
            (N, C, filter_h, filter_w, out_h, out_w),
            Text(
                "return a 2-D matrix: transpose(0, 4, 5, 1, 2, 3) and reshape(N * out_h * out_w, -1) at the end",
                "2 次元の行列を返してください。最後に transpose(0, 4, 5, 1, 2, 3) して "
                "reshape(N * out_h * out_w, -1) します",
            ),
        ),
    ]
    if stride > 1:
        oh, ow = _sizes(shape, filter_h, filter_w, 1, pad)
        hints.append(
            (
                (N * oh * ow, K),
                Text(
                    f"you have as many rows as stride 1 gives; with stride {stride} there are "
                    "out_h = (H + 2 * pad - filter_h) // stride + 1 window rows (likewise out_w)",
                    f"行数が stride 1 の場合と同じです。stride {stride} ではウィンドウの数は "
                    "out_h = (H + 2 * pad - filter_h) // stride + 1(out_w も同様)です",
                ),
            )
        )
    if pad > 0:
        oh, ow = _sizes(shape, filter_h, filter_w, stride, 0)
        one_side_h = (H + pad - filter_h) // stride + 1
        one_side_w = (W + pad - filter_w) // stride + 1
        hints += [
            (
                (N * oh * ow, K),
                Text(
                    "you have as many rows as without padding: pad the image with zeros first "
                    "(np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])) and count the windows "
                    "of the padded image, out_h = (H + 2 * pad - filter_h) // stride + 1",
                    "行数がパディングなしの場合と同じです。先に画像を 0 でパディングし"
                    "(np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)]))、"
                    "パディング後の画像のウィンドウを数えてください(out_h = (H + 2 * pad - filter_h) // stride + 1)",
                ),
            ),
            (
                (N * one_side_h * one_side_w, K),
                Text(
                    "you have as many rows as padding on one side only gives: pad is added on BOTH sides, "
                    "in np.pad ((pad, pad)) and in out_h = (H + 2 * pad - filter_h) // stride + 1",
                    "行数が片側だけパディングした場合と同じです。pad は両側に加えます。"
                    "np.pad では (pad, pad)、out_h = (H + 2 * pad - filter_h) // stride + 1 です",
                ),
            ),
            (
                ((N + 2 * pad) * out_h * out_w, (C + 2 * pad) * filter_h * filter_w),
                Text(
                    "np.pad(x, pad) pads all four axes, N and C too; pad only H and W: "
                    "np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])",
                    "np.pad(x, pad) は N と C を含む 4 軸すべてをパディングします。H と W だけにしてください: "
                    "np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)])",
                ),
            ),
        ]
    return hints


def _fold(
    windows: np.ndarray,
    shape: Sequence[int],
    stride: int,
    pad: int,
    *,
    step: int | None = None,
    overwrite: str = "",
) -> np.ndarray:
    """col2im on windows (N, out_h, out_w, C, FH, FW), returning the padded canvas.

    ``step``: where the windows start (the stride a mistake uses); ``overwrite``:
    "" adds, "taps" assigns tap by tap (the book's loop with =), "windows"
    assigns window by window.
    """
    N, C, H, W = shape
    _N, out_h, out_w, _C, filter_h, filter_w = windows.shape
    step = stride if step is None else step
    canvas = np.zeros((N, C, H + 2 * pad + filter_h + stride, W + 2 * pad + filter_w + stride))
    if overwrite == "windows":
        for oy in range(out_h):
            for ox in range(out_w):
                y, x = oy * step, ox * step
                canvas[:, :, y : y + filter_h, x : x + filter_w] = windows[:, oy, ox]
        return canvas
    taps = windows.transpose(0, 3, 4, 5, 1, 2)
    for fy in range(filter_h):
        for fx in range(filter_w):
            target = canvas[:, :, fy : fy + step * out_h : step, fx : fx + step * out_w : step]
            if overwrite == "taps":
                target[...] = taps[:, :, fy, fx]
            else:
                target += taps[:, :, fy, fx]
    return canvas


def _col2im_variants(
    col: np.ndarray, shape: Sequence[int], filter_h: int, filter_w: int, stride: int, pad: int
) -> list[Variant]:
    """Wrong answers of col2im on this input, each with the misconception behind it."""
    N, C, H, W = shape
    six_shape = _six_shape(shape, filter_h, filter_w, stride, pad)
    windows = col.reshape(six_shape)

    def cut(canvas: np.ndarray) -> np.ndarray:
        return canvas[:, :, pad : pad + H, pad : pad + W]

    overwrite = Text(
        "overlapping windows overwrite each other: a pixel shared by several windows must "
        "receive the SUM of their entries; use += (col2im is the adjoint of im2col, not its inverse)",
        "重なったウィンドウの値が上書きされています。複数のウィンドウに含まれる画素には、"
        "それらの値の合計が入ります。= ではなく += を使ってください(col2im は im2col の逆関数ではなく随伴です)",
    )
    variants = [
        Variant(cut(_fold(windows, shape, stride, pad, overwrite="taps")), overwrite),
        Variant(cut(_fold(windows, shape, stride, pad, overwrite="windows")), overwrite),
    ]
    if stride > 1:
        variants.append(
            Variant(
                cut(_fold(windows, shape, stride, pad, step=1)),
                Text(
                    "the windows are put back 1 pixel apart: the stride is not applied; "
                    "window (out_y, out_x) starts at (out_y * stride, out_x * stride)",
                    "ウィンドウが 1 画素ずつの位置に戻されています(stride が使われていません)。"
                    "ウィンドウ (out_y, out_x) の左上は (out_y * stride, out_x * stride) です",
                ),
            )
        )
    if pad > 0:
        canvas = _fold(windows, shape, stride, pad)
        variants.append(
            Variant(
                canvas[:, :, :H, :W],
                Text(
                    "the padding is cut off at the end only; it was added on both sides: "
                    "return img[:, :, pad:H + pad, pad:W + pad]",
                    "パディングを後ろ側だけで切り落としています。パディングは両側にあります: "
                    "img[:, :, pad:H + pad, pad:W + pad] を返してください",
                ),
            )
        )
    # the learner's im2col writes the transpose (a column per window), and col2im reads col.T back
    N, C = shape[0], shape[1]
    _n, out_h, out_w, _c, _fh, _fw = six_shape
    transposed = [
        col.T.reshape(six_shape),
        col.T.reshape(N, C, filter_h, filter_w, out_h, out_w).transpose(0, 4, 5, 1, 2, 3),
    ]
    variants += [Variant(cut(_fold(read, shape, stride, pad)), TRANSPOSED_READ) for read in transposed]
    for layout in LAYOUTS:
        # the learner reads col as if it were laid out ``layout``
        read = col.reshape([six_shape[i] for i in layout]).transpose(np.argsort(layout))
        variants.append(Variant(cut(_fold(read, shape, stride, pad)), _col2im_layout_hint(layout)))
    return variants


def _col2im_layout_hint(layout: tuple[int, ...]) -> Text:
    """Say how col2im reads col, in col2im's own terms.

    Not the im2col hint of the same layout: that one tells how to build the matrix
    (gather, transpose, reshape to 2-D), which is not what col2im does wrong.
    """
    names = ROW_AXES + COLUMN_AXES
    read = _axes_text(layout, names)
    if layout == (0, 3, 4, 5, 1, 2):
        en = "it reshapes col straight to (N, C, FH, FW, out_h, out_w), so one row of col is not read as one window"
        ja = (
            "col をそのまま (N, C, FH, FW, out_h, out_w) に reshape しているため、"
            "col の 1 行が 1 つのウィンドウとして読まれていません"
        )
    else:
        en = (
            f"it takes col to be laid out {read} before the final reshape, not (n, out_y, out_x, c, filter_y, filter_x)"
        )
        ja = f"最後の reshape の前の並びを {read} とみなしています。正しくは (n, out_y, out_x, c, filter_y, filter_x)"
    return Text(
        f"col2im reads col in another order than im2col writes it: {en}; undo im2col exactly: "
        "col.reshape(N, out_h, out_w, C, FH, FW).transpose(0, 3, 4, 5, 1, 2)",
        f"col2im が im2col とは違う順番で col を読んでいます。{ja}。im2col の逆の手順で "
        "col.reshape(N, out_h, out_w, C, FH, FW).transpose(0, 3, 4, 5, 1, 2) としてください",
    )


def _col2im_shape_hints(
    shape: Sequence[int], filter_h: int, filter_w: int, stride: int, pad: int
) -> list[tuple[tuple[int, ...], Text]]:
    N, C, H, W = shape
    cut = Text(
        "the padding is not cut off: return img[:, :, pad:H + pad, pad:W + pad], of shape input_shape",
        "パディングが切り落とされていません。img[:, :, pad:H + pad, pad:W + pad](形状 input_shape)を返してください",
    )
    hints: list[tuple[tuple[int, ...], Text]] = [
        ((N, C, H + 2 * pad, W + 2 * pad), cut),
        ((N, C, H + 2 * pad + stride - 1, W + 2 * pad + stride - 1), cut),
    ]
    if pad > 0:
        hints.append(
            (
                (N, C, H - pad, W - pad),
                Text(
                    "the slice that cuts the padding off is short: it is img[:, :, pad:H + pad, pad:W + pad]",
                    "パディングを切り落とすスライスが短すぎます。img[:, :, pad:H + pad, pad:W + pad] です",
                ),
            )
        )
    return hints


# ---------------------------------------------------------------------------
# judging an array against the reference
# ---------------------------------------------------------------------------


def _order_diagnosis(got: np.ndarray, expected: np.ndarray) -> tuple[list[Text], Text | None]:
    """Lines saying whether the rows and the columns are right, when the values are a reordering."""

    def as_set(matrix: np.ndarray) -> list[tuple[float, ...]]:
        return sorted(map(tuple, np.round(matrix.astype(np.float64), 9)))

    same_rows = as_set(got) == as_set(expected)
    same_columns = as_set(got.T) == as_set(expected.T)
    if same_rows and not same_columns:
        return (
            [
                Text(
                    "rows: every row is a right window, but in the wrong place (order n, out_y, out_x expected); "
                    "columns: in the right order",
                    "行: どの行も正しいウィンドウですが、並び順が違います((n, out_y, out_x) の順のはず)。"
                    "列: 並び順は正しい",
                )
            ],
            Text(
                "the rows must be ordered (n, out_y, out_x): all windows of image 0 first, row by row",
                "行は (n, out_y, out_x) の順です。画像 0 のウィンドウを上の行から順に並べ、次に画像 1 です",
            ),
        )
    if same_columns and not same_rows:
        return (
            [
                Text(
                    "rows: in the right order (n, out_y, out_x); columns: every column is right, "
                    "but in the wrong place (order c, filter_y, filter_x expected)",
                    "行: 並び順は正しい。列: どの列も正しい値ですが、並び順が違います"
                    "((c, filter_y, filter_x) の順のはず)",
                )
            ],
            Text(
                "the columns must be ordered (c, filter_y, filter_x): channel first, "
                "as W.reshape(FN, -1) flattens the filters",
                "列は (c, filter_y, filter_x) の順です(W.reshape(FN, -1) と同じくチャンネルが最初)",
            ),
        )
    sorted_got = sorted(tuple(np.sort(np.round(row.astype(np.float64), 9))) for row in got)
    sorted_expected = sorted(tuple(np.sort(np.round(row, 9))) for row in expected)
    if sorted_got == sorted_expected:
        return (
            [
                Text(
                    "every row holds the values of one window, "
                    "but both the rows and the columns are in the wrong order",
                    "どの行も 1 つのウィンドウの値を持っていますが、行と列の両方の並び順が違います",
                )
            ],
            Text(
                "rows are ordered (n, out_y, out_x), columns (c, filter_y, filter_x): gather into "
                "(N, C, FH, FW, out_h, out_w), then transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1)",
                "行は (n, out_y, out_x)、列は (c, filter_y, filter_x) の順です。(N, C, FH, FW, out_h, out_w) に"
                "集めてから transpose(0, 4, 5, 1, 2, 3).reshape(N * out_h * out_w, -1) としてください",
            ),
        )
    if np.allclose(np.sort(got.ravel()), np.sort(expected.ravel()), rtol=RTOL, atol=ATOL):
        return (
            [
                Text(
                    "the values are all there, but a row does not hold one whole window",
                    "値はすべてそろっていますが、1 行が 1 つのウィンドウになっていません",
                )
            ],
            Text(
                "reshape alone does not reorder axes: bring the axes to (N, out_h, out_w, C, FH, FW) "
                "with transpose before the final reshape",
                "reshape だけでは軸の順番は変わりません。最後の reshape の前に transpose で "
                "(N, out_h, out_w, C, FH, FW) の順にしてください",
            ),
        )
    return [], None


def _padding_diagnosis(
    got: np.ndarray, expected: np.ndarray, shape: Sequence[int], filter_h: int, filter_w: int, stride: int, pad: int
) -> Text | None:
    """A hint when everything but the entries taken from the padding is right."""
    if pad == 0:
        return None
    from_padding = im2col(np.ones(shape), filter_h, filter_w, stride, pad) == 0
    inside = ~from_padding
    if np.allclose(got[inside], expected[inside], rtol=RTOL, atol=ATOL) and np.any(got[from_padding] != 0):
        values = abbreviate(np.unique(got[from_padding])[:6])
        return Text(
            f"the entries that come from the padding are {values}; the padding must be zeros",
            f"パディング部分の値が {values} になっています。パディングは 0 です",
        )
    return None


def _judge(
    got: Output,
    expected: np.ndarray,
    what: str,
    *,
    variants: Later[list[Variant]] | None = None,
    shape_hints: Sequence[tuple[tuple[int, ...], Text]] = (),
    diagnose: Callable[[np.ndarray], tuple[list[Text], Text | None]] | None = None,
    view: Callable[[np.ndarray], list[Text]] | None = None,
) -> tuple[list[Text], Text | None]:
    """Lines describing how ``got`` differs from ``expected``, and the most pointed hint.

    ``view`` replaces close's dump of the whole arrays (unreadable for 2-D
    and 4-D arrays of this size) by a small, meaningful piece: one row, one image.
    ``variants`` (the known wrong answers) are worked out only for a wrong answer.
    """
    lines = close(got, expected, what=what, rtol=RTOL, atol=ATOL)
    if not lines:
        return [], None
    array, _problems = value_of(got, what)
    if array is None:
        return lines, None
    if array.shape == expected.shape and view is not None and array.dtype.kind in "biuf":
        lines = lines[:2] + view(array.astype(np.float64))
    if array.shape != expected.shape:
        known = variants() if variants is not None else []
        variant = matching_variant(got, [v for v in known if np.shape(v.value) == array.shape], RTOL, ATOL)
        if variant is not None:
            return lines, variant.hint
        for shape, hint in shape_hints:
            if array.shape == tuple(shape):
                return lines, hint
        return lines, None
    if array.dtype.kind in "iub":
        return lines, Text(
            f"your result has dtype {array.dtype}, so the float values were truncated; "
            "create the array with a float dtype (np.zeros gives float64 by default)",
            f"結果の dtype が {array.dtype} のため、小数が切り捨てられています。"
            "float 型の配列を作ってください(np.zeros の既定は float64)",
        )
    if array.dtype.itemsize < 8 and is_close(array, expected, 1e-5, 1e-6):
        return lines, Text(
            f"the values are right but rounded to {array.dtype}: keep float64 "
            "(np.zeros gives float64 by default; do not pass dtype=np.float32)",
            f"値は正しいのですが {array.dtype} に丸められています。float64 のままにしてください"
            "(np.zeros の既定は float64 です。dtype=np.float32 は指定しないでください)",
        )
    variant = matching_variant(got, variants() if variants is not None else [], RTOL, ATOL)
    if variant is not None:
        return lines, variant.hint
    if diagnose is not None:
        extra, diagnosis = diagnose(array)
        return lines + extra, diagnosis
    return lines, None


IM2COL_INPUT_HINT = Text(
    "im2col must not change input_data: pad into a new array (np.pad returns one) and gather into a new matrix",
    "im2col は input_data を書き換えてはいけません。np.pad は新しい配列を返すので、それと新しい行列を使ってください",
)
COL2IM_INPUT_HINT = Text(
    "col2im must not change col: `col = col.reshape(...)` makes a new view, "
    "but `col.shape = ...` or `col[...] = ...` change the caller's array",
    "col2im は col を書き換えてはいけません。`col = col.reshape(...)` は新しいビューを作りますが、"
    "`col.shape = ...` や `col[...] = ...` は呼び出し元の配列を変えてしまいます",
)


def _context(
    shape: Sequence[int], filter_h: int, filter_w: int, stride: int, pad: int, what: str = "x", more: Text | None = None
) -> Text:
    more = more or plain("")
    return Text(
        f"{what} {tuple(shape)}, filter {filter_h}x{filter_w}, stride {stride}, pad {pad}{more.en}",
        f"{what} {tuple(shape)}、フィルター {filter_h}x{filter_w}、stride {stride}、pad {pad}{more.ja}",
    )


# ---------------------------------------------------------------------------
# conv_output_size
# ---------------------------------------------------------------------------

# (input_size, filter_size, stride, pad); several do not divide evenly
SIZE_CASES = [
    (5, 3, 1, 0),
    (7, 2, 2, 0),
    (5, 3, 2, 1),
    (7, 3, 2, 1),
    (6, 3, 2, 0),
    (28, 5, 1, 2),
    (7, 2, 3, 1),
    (4, 2, 2, 0),
]


def _size_probe() -> Probe:
    probe = Probe()
    for index, case in enumerate(SIZE_CASES):
        probe.save(probe.call("conv_output_size", *case), f"case{index}")
    probe.save(probe.call("conv_output_size", 5, 3), "defaults")
    return probe


def _size_call(case: Sequence[int]) -> str:
    return "conv_output_size(" + ", ".join(str(v) for v in case) + ")"


def _size_checks() -> list[Check]:
    cases = [*SIZE_CASES, (5, 3)]
    names = [f"case{index}" for index in range(len(SIZE_CASES))] + ["defaults"]
    expected = np.array([conv_output_size(*case) for case in cases], dtype=np.float64)

    def formula(function: Callable[[int, int, int, int], float]) -> np.ndarray:
        return np.array([function(*(tuple(case) + (1, 0))[:4]) for case in cases], dtype=np.float64)

    variants = [
        Variant(
            formula(lambda i, f, s, p: (i + 2 * p - f) / s + 1),
            Text(
                "/ is true division and gives fractions such as 3.5; a window that does not fit is "
                "dropped, so use floor division //",
                "/ は小数も返す割り算です(3.5 など)。はみ出すウィンドウは数えないので、切り捨ての // を使ってください",
            ),
        ),
        Variant(
            formula(lambda i, f, s, p: i + 2 * p - f // s + 1),
            Text(
                "operator precedence: // binds tighter than + and -, so write "
                "(input_size + 2 * pad - filter_size) // stride + 1 with the parentheses",
                "演算子の優先順位: // は + や - より先に計算されます。"
                "(input_size + 2 * pad - filter_size) // stride + 1 と括弧を付けてください",
            ),
        ),
        Variant(
            formula(lambda i, f, s, p: (i + p - f) // s + 1),
            Text(
                "pad is added on BOTH sides, so the padded size is input_size + 2 * pad",
                "パディングは両側に付くので、パディング後の大きさは input_size + 2 * pad です",
            ),
        ),
        Variant(
            formula(lambda i, f, s, p: (i - f) // s + 1),
            Text(
                "the padding is missing: the padded size is input_size + 2 * pad",
                "パディングが入っていません。パディング後の大きさは input_size + 2 * pad です",
            ),
        ),
        Variant(
            formula(lambda i, f, s, p: i + 2 * p - f + 1),
            Text(
                "the stride is missing: windows start every `stride` pixels, so divide by stride (//)",
                "stride が入っていません。ウィンドウは stride 画素ごとに始まるので stride で割ります(//)",
            ),
        ),
        Variant(
            formula(lambda i, f, s, p: (i + 2 * p - f) // s),
            Text(
                "the + 1 is missing: the first window sits at position 0 and is counted too",
                "+ 1 が抜けています。位置 0 の最初のウィンドウも数えます",
            ),
        ),
    ]

    def values(run: ProbeRun) -> Verdict:
        got, lines = [], []
        for name, case, want in zip(names, cases, expected, strict=True):
            array, problems = value_of(run.output(name), _size_call(case))
            if array is None:
                return Verdict.fail(problems)
            if array.shape != () or array.dtype.kind not in "biuf":
                return Verdict.fail(
                    [
                        Text(
                            f"{_size_call(case)} returned {abbreviate(array)}; expected one number",
                            f"{_size_call(case)} が {abbreviate(array)} を返しました。数を 1 つ返してください",
                        )
                    ]
                )
            value = float(array)
            got.append(value)
            if value != want:
                lines.append(
                    Text(
                        f"{_size_call(case)}: expected {int(want)}, got {array.item()!r}",
                        f"{_size_call(case)}: 期待値 {int(want)}、あなたの値 {array.item()!r}",
                    )
                )
        variant = matching_variant(np.array(got), variants, 0.0, 1e-9) if lines else None
        return Verdict.unless(lines, variant.hint if variant else None)

    def integer(run: ProbeRun) -> Verdict:
        lines = []
        for name, case in zip(names, cases, strict=True):
            output = run.output(name)
            array, problems = value_of(output, _size_call(case))
            if array is None:
                return Verdict.fail(problems)
            if array.dtype.kind not in "iu" or output.pytype == "bool" or array.shape != ():
                # an array of another shape is shown in short: .item() works on one element only
                shown = repr(array.item()) if array.size == 1 else abbreviate(array)
                lines.append(
                    Text(
                        f"{_size_call(case)} returned {shown} of type {output.pytype}; expected an int",
                        f"{_size_call(case)} が {output.pytype} 型の {shown} を返しました。int が期待されます",
                    )
                )
        if not lines:
            return Verdict.ok()
        floor = any(
            run.output(name).pytype.startswith("float") and run.output(name).pytype != "float" for name in names
        )
        hint = (
            Text(
                "np.floor and np.ceil return floats; use // on ints, which gives an int",
                "np.floor や np.ceil は float を返します。int 同士の // なら int になります",
            )
            if floor
            else None
        )
        return Verdict.fail(lines[:4], hint)

    context = "; ".join(_size_call(case) for case in cases[:4]) + " ..."
    return [
        Check(
            "conv_output_size: (input_size + 2 * pad - filter_size) // stride + 1 for 9 sizes",
            "conv_output_size: 9 通りの大きさで (input_size + 2 * pad - filter_size) // stride + 1",
            _size_probe(),
            values,
            hint=Text(
                "out = (input_size + 2 * pad - filter_size) // stride + 1; stride and pad default to 1 and 0",
                "out = (input_size + 2 * pad - filter_size) // stride + 1 です。stride と pad の既定値は 1 と 0 です",
            ),
            context=context,
        ),
        Check(
            "conv_output_size: returns an int, not a float",
            "conv_output_size: float ではなく int を返す",
            _size_probe(),
            integer,
            hint=Text(
                "/ always gives a float in Python 3 (6 / 2 == 3.0); use //, which keeps ints as ints, "
                "because the size is used in range() and reshape()",
                "Python 3 の / は常に float を返します(6 / 2 == 3.0)。サイズは range() や reshape() に"
                "使うので、int のままになる // を使ってください",
            ),
            context=context,
        ),
    ]


# ---------------------------------------------------------------------------
# im2col
# ---------------------------------------------------------------------------


def _worst(got: np.ndarray, expected: np.ndarray) -> tuple[int, ...]:
    """Index of the largest difference."""
    error = np.nan_to_num(np.abs(got - expected), nan=np.inf)
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(error)), expected.shape))


def _values(values: np.ndarray, limit: int = 12) -> str:
    shown = [f"{v:.4g}" for v in values[:limit]]
    if values.size > limit:
        shown.append("...")
    return "[" + ", ".join(shown) + "]"


def _row_view(expected: np.ndarray, six_shape: Sequence[int]) -> Callable[[np.ndarray], list[Text]]:
    """Show the worst row of im2col's result, and which window it is."""

    def view(got: np.ndarray) -> list[Text]:
        row = _worst(got, expected)[0]
        n, oy, ox = (int(i) for i in np.unravel_index(row, tuple(six_shape[:3])))
        return [
            Text(
                f"row {row} is the window (n={n}, out_y={oy}, out_x={ox}); "
                "its columns, ordered (c, filter_y, filter_x):",
                f"行 {row} はウィンドウ (n={n}, out_y={oy}, out_x={ox}) です。その列((c, filter_y, filter_x) の順):",
            ),
            Text(f"  expected {_values(expected[row])}", f"  期待値     {_values(expected[row])}"),
            Text(f"  got      {_values(got[row])}", f"  あなたの値 {_values(got[row])}"),
        ]

    return view


def _im2col_check(name: str, name_ja: str, x: np.ndarray, setting: tuple[int, int, int, int], hint: Text) -> Check:
    filter_h, filter_w, stride, pad = setting
    probe, originals = call_probe("im2col", [x, filter_h, filter_w, stride, pad], arg_names=["x"])
    expected = im2col(x, filter_h, filter_w, stride, pad)
    variants = Later(partial(_im2col_variants, x.copy(), filter_h, filter_w, stride, pad))
    shape_hints = _im2col_shape_hints(x.shape, filter_h, filter_w, stride, pad)
    view = _row_view(expected, _six_shape(x.shape, filter_h, filter_w, stride, pad))
    what = f"im2col(x, {filter_h}, {filter_w}, {stride}, {pad})"

    def diagnose(got: np.ndarray) -> tuple[list[Text], Text | None]:
        padding = _padding_diagnosis(got, expected, x.shape, filter_h, filter_w, stride, pad)
        if padding is not None:
            return [], padding
        return _order_diagnosis(got, expected)

    def verify(run: ProbeRun) -> Verdict:
        lines, better = _judge(
            run.output("result"),
            expected,
            what,
            variants=variants,
            shape_hints=shape_hints,
            diagnose=diagnose,
            view=view,
        )
        changed = unchanged(run, "im2col", originals)
        if not lines:
            return Verdict.unless(changed, IM2COL_INPUT_HINT)
        return Verdict.fail(lines + changed, better)

    return Check(name, name_ja, probe, verify, hint=hint, context=_context(x.shape, filter_h, filter_w, stride, pad))


def _coded_input(shape: Sequence[int]) -> np.ndarray:
    """x[n, c, h, w] = 1000 n + 100 c + 10 h + w: each value says where it came from."""
    n, c, h, w = np.indices(shape)
    return (1000 * n + 100 * c + 10 * h + w).astype(np.float64)


def _order_check() -> Check:
    filter_h, filter_w, stride, pad = 3, 2, 1, 0
    x = _coded_input(SHAPE)
    probe, originals = call_probe("im2col", [x, filter_h, filter_w, stride, pad], arg_names=["x"])
    expected = im2col(x, filter_h, filter_w, stride, pad)
    variants = Later(partial(_im2col_variants, x.copy(), filter_h, filter_w, stride, pad))
    shape_hints = _im2col_shape_hints(x.shape, filter_h, filter_w, stride, pad)
    view = _row_view(expected, _six_shape(x.shape, filter_h, filter_w, stride, pad))
    what = f"im2col(x, {filter_h}, {filter_w}, {stride}, {pad})"
    codes = Text(
        "read the values as codes: 1234 came from image n=1, channel c=2, y=3, x=4",
        "値は出どころを表す番号です: 1234 は画像 n=1、チャンネル c=2、y=3、x=4 から来た値です",
    )

    def verify(run: ProbeRun) -> Verdict:
        got = run.output("result")
        lines, better = _judge(
            got,
            expected,
            what,
            variants=variants,
            shape_hints=shape_hints,
            diagnose=lambda array: _order_diagnosis(array, expected),
            view=view,
        )
        changed = unchanged(run, "im2col", originals)
        if not lines:
            return Verdict.unless(changed, IM2COL_INPUT_HINT)
        if better is not None and got.array is not None and got.array.shape == expected.shape:
            # first say plainly which of rows and columns is wrong, then show it on the coded data
            return Verdict.fail([better, *lines, *changed], codes)
        return Verdict.fail(lines + changed, better)

    return Check(
        "im2col: rows ordered (n, out_y, out_x), columns ordered (c, filter_y, filter_x)",
        "im2col: 行は (n, out_y, out_x)、列は (c, filter_y, filter_x) の順",
        probe,
        verify,
        hint=Text(
            "row (n, oy, ox), column (c, fy, fx) holds x[n, c, oy * stride + fy, ox * stride + fx]",
            "行 (n, oy, ox)・列 (c, fy, fx) の値は x[n, c, oy * stride + fy, ox * stride + fx] です",
        ),
        context=_context(
            x.shape, filter_h, filter_w, stride, pad, more=plain("; x[n, c, h, w] = 1000 n + 100 c + 10 h + w")
        ),
    )


def _im2col_checks() -> list[Check]:
    rng = generator(51)
    x = rng.normal(size=SHAPE)
    single = rng.normal(size=(1, *SHAPE[1:]))
    stride_hint = Text(
        "window (out_y, out_x) starts at (out_y * stride, out_x * stride); with the book's loop, "
        "img[:, :, y:y_max:stride, x:x_max:stride] with y_max = y + stride * out_h",
        "ウィンドウ (out_y, out_x) の左上は (out_y * stride, out_x * stride) です。教科書のループでは "
        "y_max = y + stride * out_h として img[:, :, y:y_max:stride, x:x_max:stride] です",
    )
    pad_hint = Text(
        "pad first: img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], 'constant') (zeros, H and W only), "
        "then take the windows of img",
        "先にパディングします: img = np.pad(x, [(0, 0), (0, 0), (pad, pad), (pad, pad)], 'constant')"
        "(0 で、H と W だけ)。そのうえで img からウィンドウを取り出します",
    )
    return [
        _order_check(),
        _im2col_check(
            "im2col: filter 3x3, stride 1, no padding on a (2, 3, 5, 7) batch",
            "im2col: (2, 3, 5, 7) のバッチにフィルター 3x3、ストライド 1、パディングなし",
            x,
            (3, 3, 1, 0),
            Text(
                "one row per window: (N * out_h * out_w, C * 3 * 3); row (n, oy, ox), column (c, fy, fx) "
                "holds x[n, c, oy + fy, ox + fx]",
                "ウィンドウ 1 つが 1 行です: (N * out_h * out_w, C * 3 * 3)。行 (n, oy, ox)・列 (c, fy, fx) の値は "
                "x[n, c, oy + fy, ox + fx] です",
            ),
        ),
        _im2col_check(
            "im2col: stride 2 with a 3x2 filter (windows do not tile the image)",
            "im2col: 3x2 フィルター、ストライド 2(ウィンドウが画像をちょうど覆わない)",
            x,
            (3, 2, 2, 0),
            stride_hint,
        ),
        _im2col_check(
            "im2col: zero padding, pad 1 with a 3x3 filter",
            "im2col: 3x3 フィルターでゼロパディング pad 1",
            x,
            (3, 3, 1, 1),
            pad_hint,
        ),
        _im2col_check(
            "im2col: stride 2 and pad 1 with a 3x2 filter",
            "im2col: 3x2 フィルターでストライド 2、pad 1",
            x,
            (3, 2, 2, 1),
            # a mistake of the stride or of the padding alone fails here too: name both
            Text(
                "stride and padding together: pad first, with zeros on H and W only, then window (out_y, out_x) "
                "starts at (out_y * stride, out_x * stride) of the padded image; the stride 2 check and the "
                "pad 1 check above tell which of the two is wrong",
                "ストライドとパディングの組み合わせです。先に H と W だけを 0 でパディングし、"
                "ウィンドウ (out_y, out_x) はパディング後の画像の (out_y * stride, out_x * stride) から始まります。"
                "どちらが違うかは、"
                "上のストライド 2 のチェックと pad 1 のチェックでわかります",
            ),
        ),
        _im2col_check(
            "im2col: a batch of one image, filter 3x3, stride 2, pad 1",
            "im2col: 画像 1 枚のバッチ、フィルター 3x3、ストライド 2、pad 1",
            single,
            (3, 3, 2, 1),
            Text(
                "N = 1 must work like any N: do not squeeze the batch axis away; if the im2col checks "
                "with N = 2 fail too, fix those first (this one also uses stride 2 and pad 1)",
                "N = 1 でも他の N と同じように動く必要があります。バッチの軸を squeeze で消さないでください。"
                "N = 2 の im2col のチェックも失敗しているなら、先にそちらを直してください"
                "(このチェックは stride 2・pad 1 も使います)",
            ),
        ),
    ]


# ---------------------------------------------------------------------------
# col2im
# ---------------------------------------------------------------------------


def _image_view(expected: np.ndarray, label: Text | None = None) -> Callable[[np.ndarray], list[Text]]:
    """Show the image and channel of col2im's result that holds the worst pixel, row by row."""

    def view(got: np.ndarray) -> list[Text]:
        n, c = _worst(got, expected)[:2]
        heading = (
            label.format(n=n, c=c)
            if label
            else Text(f"image n={n}, channel c={c}, row by row:", f"画像 n={n}・チャンネル c={c}(行ごと):")
        )
        return [
            heading,
            Text(f"  expected {_grid(expected[n, c])}", f"  期待値     {_grid(expected[n, c])}"),
            Text(f"  got      {_grid(got[n, c])}", f"  あなたの値 {_grid(got[n, c])}"),
        ]

    return view


def _grid(image: np.ndarray) -> str:
    return " / ".join(" ".join(f"{v:.3g}" for v in row) for row in image)


def _shape_of(probe: Probe, shape: Sequence[int]) -> Ref:
    """``shape`` as a tuple in the sandbox (a probe sends sequences as lists).

    Learners write ``input_shape[:2] + (H + 2 * pad, W + 2 * pad)``, which
    needs a tuple, as Convolution.backward passes it (``self.x.shape``).
    """
    return probe.attr(probe.array(np.zeros(shape, dtype=np.int8)), "shape")


def _col2im_check(
    name: str,
    name_ja: str,
    col: np.ndarray,
    shape: tuple[int, int, int, int],
    setting: tuple[int, int, int, int],
    hint: Text,
    *,
    label: Text | None = None,
) -> Check:
    filter_h, filter_w, stride, pad = setting
    probe = Probe()
    col_ref = probe.array(col)
    probe.save(probe.call("col2im", col_ref, _shape_of(probe, shape), filter_h, filter_w, stride, pad), "result")
    probe.save(col_ref, "input:col")
    originals = {"col": col.copy()}
    expected = col2im(col, shape, filter_h, filter_w, stride, pad)
    variants = Later(partial(_col2im_variants, col.copy(), shape, filter_h, filter_w, stride, pad))
    shape_hints = _col2im_shape_hints(shape, filter_h, filter_w, stride, pad)
    view = _image_view(expected, label)
    what = f"col2im(col, {tuple(shape)}, {filter_h}, {filter_w}, {stride}, {pad})"

    def verify(run: ProbeRun) -> Verdict:
        lines, better = _judge(
            run.output("result"), expected, what, variants=variants, shape_hints=shape_hints, view=view
        )
        changed = unchanged(run, "col2im", originals)
        if not lines:
            return Verdict.unless(changed, COL2IM_INPUT_HINT)
        return Verdict.fail(lines + changed, better)

    return Check(
        name, name_ja, probe, verify, hint=hint, context=_context(shape, filter_h, filter_w, stride, pad, "input_shape")
    )


def _adjoint_check() -> Check:
    filter_h, filter_w, stride, pad = 3, 3, 2, 1
    rng = generator(53)
    x = rng.normal(size=SHAPE)
    out_h, out_w = _sizes(SHAPE, filter_h, filter_w, stride, pad)
    col = rng.normal(size=(SHAPE[0] * out_h * out_w, SHAPE[1] * filter_h * filter_w))
    probe = Probe()
    probe.save(probe.call("im2col", x, filter_h, filter_w, stride, pad), "columns")
    probe.save(probe.call("col2im", col, _shape_of(probe, SHAPE), filter_h, filter_w, stride, pad), "image")
    reference_columns = im2col(x, filter_h, filter_w, stride, pad)
    reference_image = col2im(col, SHAPE, filter_h, filter_w, stride, pad)

    def verify(run: ProbeRun) -> Verdict:
        columns, problems = value_of(run.output("columns"), "im2col(x, ...)")
        image, more = value_of(run.output("image"), "col2im(c, ...)")
        if columns is None or image is None:
            return Verdict.fail(problems + more)
        wrong_shape = []
        if columns.shape != col.shape:
            wrong_shape.append(
                Text(
                    f"im2col(x, ...) has shape {columns.shape}; expected {col.shape}",
                    f"im2col(x, ...) の形状が {columns.shape} です。期待される形状は {col.shape} です",
                )
            )
        if image.shape != x.shape:
            wrong_shape.append(
                Text(
                    f"col2im(c, ...) has shape {image.shape}; expected {x.shape}",
                    f"col2im(c, ...) の形状が {image.shape} です。期待される形状は {x.shape} です",
                )
            )
        if wrong_shape:
            return Verdict.fail(wrong_shape)
        left = float(np.sum(columns.astype(np.float64) * col))
        right = float(np.sum(x * image.astype(np.float64)))
        scale = float(np.sum(np.abs(reference_columns * col)))
        if np.isfinite(left) and np.isfinite(right) and abs(left - right) <= 1e-9 * scale:
            return Verdict.ok()
        lines = [
            Text(
                f"<im2col(x), c> = sum(im2col(x) * c) = {left:.10g}, "
                f"but <x, col2im(c)> = sum(x * col2im(c)) = {right:.10g}",
                f"<im2col(x), c> = sum(im2col(x) * c) = {left:.10g} ですが、"
                f"<x, col2im(c)> = sum(x * col2im(c)) = {right:.10g} です",
            )
        ]
        im2col_right = is_close(columns, reference_columns, RTOL, ATOL)
        col2im_right = is_close(image, reference_image, RTOL, ATOL)
        if im2col_right and not col2im_right:
            hint = Text(
                "your im2col is right, so col2im is not its adjoint: every entry of c must be added to "
                "exactly the pixel im2col took that entry from (overlaps add up, the padding is dropped)",
                "im2col は正しいので、col2im がその随伴になっていません。c の各要素を、im2col がその要素を"
                "取り出した画素に足してください(重なりは合計し、パディング部分は捨てます)",
            )
        elif col2im_right and not im2col_right:
            hint = Text(
                "your col2im is right but your im2col is not (see the im2col checks); fix im2col first",
                "col2im は正しいですが im2col が違います(im2col のチェックを参照)。先に im2col を直してください",
            )
        else:
            hint = Text(
                "neither your im2col nor your col2im gives the contract's values: fix the im2col and col2im "
                "checks above first; then col2im puts each entry of c back where im2col took it from, "
                "adding up overlaps",
                "im2col も col2im も課題どおりの値になっていません。先に上の im2col と col2im のチェックを"
                "直してください。col2im は c の各要素を im2col が取り出した場所に戻し、"
                "重なりを足し合わせるものです",
            )
        return Verdict.fail(lines, hint)

    return Check(
        "col2im: is the adjoint of your im2col, sum(im2col(x) * c) == sum(x * col2im(c))",
        "col2im: im2col の随伴になっている sum(im2col(x) * c) == sum(x * col2im(c))",
        probe,
        verify,
        hint=Text(
            "col2im is the transpose of im2col: the gradient of sum(im2col(x) * c) with respect to x",
            "col2im は im2col の転置です: sum(im2col(x) * c) の x に関する勾配です",
        ),
        context=_context(SHAPE, filter_h, filter_w, stride, pad, more=Text(", random x and c", "、ランダムな x と c")),
    )


def _random_col(
    rng: np.random.Generator, shape: Sequence[int], filter_h: int, filter_w: int, stride: int, pad: int
) -> np.ndarray:
    out_h, out_w = _sizes(shape, filter_h, filter_w, stride, pad)
    return rng.normal(size=(shape[0] * out_h * out_w, shape[1] * filter_h * filter_w))


def _col2im_checks() -> list[Check]:
    rng = generator(52)
    single = (1, *SHAPE[1:])
    add_hint = Text(
        "where windows overlap, add: img[...] += col[...]; col2im(ones) counts the windows covering each pixel",
        "ウィンドウが重なる所では足し合わせます: img[...] += col[...]。col2im(全部 1) は各画素を覆うウィンドウの数です",
    )
    ones = np.ones(_random_col(rng, SHAPE, 3, 3, 1, 0).shape)
    return [
        _col2im_check(
            "col2im: a column matrix of ones gives how many 3x3 windows cover each pixel",
            "col2im: 全要素 1 の行列から、各画素を覆う 3x3 ウィンドウの数が得られる",
            ones,
            SHAPE,
            (3, 3, 1, 0),
            add_hint,
            label=Text(
                "how many windows cover each pixel of image n={n}, channel c={c}, row by row:",
                "画像 n={n}・チャンネル c={c} の各画素を覆うウィンドウの数(行ごと):",
            ),
        ),
        _col2im_check(
            "col2im: overlapping 3x2 windows add up, pad 1 cut off",
            "col2im: 重なる 3x2 ウィンドウを足し合わせ、pad 1 を切り落とす",
            _random_col(rng, SHAPE, 3, 2, 1, 1),
            SHAPE,
            (3, 2, 1, 1),
            Text(
                "add every window into a padded canvas (N, C, H + 2 * pad, W + 2 * pad), "
                "then return img[:, :, pad:H + pad, pad:W + pad]",
                "パディング込みの配列 (N, C, H + 2 * pad, W + 2 * pad) に全ウィンドウを足し込み、"
                "img[:, :, pad:H + pad, pad:W + pad] を返してください",
            ),
        ),
        _col2im_check(
            "col2im: stride 2 with overlapping 3x3 windows and pad 1",
            "col2im: ストライド 2 で重なる 3x3 ウィンドウ、pad 1",
            _random_col(rng, SHAPE, 3, 3, 2, 1),
            SHAPE,
            (3, 3, 2, 1),
            Text(
                "window (out_y, out_x) goes back to (out_y * stride, out_x * stride) of the padded canvas, "
                "added to what is already there",
                "ウィンドウ (out_y, out_x) はパディング込みの配列の (out_y * stride, out_x * stride) に戻し、"
                "既にある値に足します",
            ),
        ),
        _col2im_check(
            "col2im: stride 2 with a 3x2 filter, pixels no window covers stay 0",
            "col2im: 3x2 フィルター、ストライド 2、どのウィンドウにも入らない画素は 0",
            _random_col(rng, SHAPE, 3, 2, 2, 0),
            SHAPE,
            (3, 2, 2, 0),
            Text(
                "start from zeros and add each window at (out_y * stride, out_x * stride); the last "
                "column of a 7-wide image is in no 2-wide window of stride 2",
                "0 の配列から始めて、各ウィンドウを (out_y * stride, out_x * stride) に足します。幅 7 の画像の"
                "最後の列は、幅 2・ストライド 2 のどのウィンドウにも入りません",
            ),
        ),
        # a 2x3 filter on 3 channels: reading col with C and FH swapped changes the values
        _col2im_check(
            "col2im: a batch of one image, filter 2x3, stride 1, pad 0",
            "col2im: 画像 1 枚のバッチ、フィルター 2x3、ストライド 1、pad 0",
            _random_col(rng, single, 2, 3, 1, 0),
            single,
            (2, 3, 1, 0),
            Text(
                "N = 1 must work like any N: the result has shape input_shape, (1, C, H, W); if the col2im "
                "checks with N = 2 fail too, fix those first (this one also uses a 2x3 filter)",
                "N = 1 でも同じように動く必要があります。結果の形状は input_shape (1, C, H, W) です。"
                "N = 2 の col2im のチェックも失敗しているなら、先にそちらを直してください"
                "(このチェックは 2x3 フィルターも使います)",
            ),
        ),
        _adjoint_check(),
    ]


def _defaults_check(function: str) -> Check:
    """``im2col(x, 3, 2)`` or ``col2im(col, shape, 3, 2)``: stride and pad left to the contract's 1 and 0.

    The probe also makes the call with (1, 0) given, so a wrong default is told apart from a wrong function.
    """
    filter_h, filter_w = 3, 2
    rng = generator(54)
    probe = Probe()
    if function == "im2col":
        x = rng.normal(size=SHAPE)
        expected = im2col(x, filter_h, filter_w, 1, 0)
        for name, more in (("explicit", (1, 0)), ("default", ())):
            probe.save(probe.call("im2col", x, filter_h, filter_w, *more), name)
        call, signature = "im2col(x, 3, 2)", "im2col(input_data, filter_h, filter_w, stride=1, pad=0)"
        context = _context(
            SHAPE, filter_h, filter_w, 1, 0, more=Text(": stride and pad left out", ": stride と pad は省略")
        )
    else:
        col = _random_col(rng, SHAPE, filter_h, filter_w, 1, 0)
        expected = col2im(col, SHAPE, filter_h, filter_w, 1, 0)
        for name, more in (("explicit", (1, 0)), ("default", ())):
            probe.save(probe.call("col2im", col, _shape_of(probe, SHAPE), filter_h, filter_w, *more), name)
        call, signature = (
            "col2im(col, input_shape, 3, 2)",
            "col2im(col, input_shape, filter_h, filter_w, stride=1, pad=0)",
        )
        context = _context(
            SHAPE, filter_h, filter_w, 1, 0, "input_shape", Text(": stride and pad left out", ": stride と pad は省略")
        )

    def verify(run: ProbeRun) -> Verdict:
        lines = close(run.output("default"), expected, what=call, rtol=RTOL, atol=ATOL)
        if not lines:
            return Verdict.ok()
        if not is_close(run.output("explicit"), expected, RTOL, ATOL):
            return Verdict.fail(lines)  # wrong with every argument given too: the check's hint says so
        lead = Text(
            f"{call} is wrong, while the same call with stride=1, pad=0 given is right: the defaults differ "
            f"from the contract's, {signature}",
            f"{call} は違い、stride=1, pad=0 を指定した同じ呼び出しは正しいので、既定値が課題の {signature} と違います",
        )
        return Verdict.fail(
            [lead, *lines],
            Text(
                f"give stride and pad the contract's defaults in the def line: {signature}",
                f"def の行で stride と pad に課題どおりの既定値を指定してください: {signature}",
            ),
        )

    def defaults_hint(run: ProbeRun) -> Text:
        # the call with (1, 0) given runs and is saved first: when it came back, the exception came from
        # the call with the defaults, whose sizes no longer fit (col2im reshapes col by them); when it did
        # not (run.output raises OutputError), the function raises anyway and the exception's hint stands
        run.output("explicit")
        return Text(
            f"{call} raised, while the same call with stride=1, pad=0 given ran: the defaults are the cause; "
            f"with stride and pad other than the contract's {signature}, the sizes no longer fit",
            f"stride=1, pad=0 を指定した呼び出しは動きましたが、{call} は例外になりました。原因は既定値です。"
            f"stride と pad が課題の {signature} と違うと、サイズが合わなくなります",
        )

    return Check(
        f"{function}: stride and pad default to 1 and 0",
        f"{function}: stride と pad の既定値は 1 と 0",
        probe,
        verify,
        # shown only when the call with stride=1, pad=0 given is wrong too (the verdict names a wrong default)
        hint=Text(
            f"{call} is wrong with stride=1, pad=0 given too, so the defaults are not the only cause: "
            f"the other {function} checks say what is wrong; the contract: {signature}",
            f"stride=1, pad=0 を指定しても {call} は違うので、原因は既定値だけではありません。"
            f"ほかの {function} のチェックを見てください。課題の定義: {signature}",
        ),
        context=context,
        error_diagnosis=defaults_hint,
    )


def build_checks() -> list[Check]:
    """Every check of exercise 5."""
    return [
        *_size_checks(),
        *_im2col_checks(),
        _defaults_check("im2col"),
        *_col2im_checks(),
        _defaults_check("col2im"),
    ]
