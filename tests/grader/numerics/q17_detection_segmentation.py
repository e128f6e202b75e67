"""Numeric answers of quiz 17 (object detection and segmentation), recomputed (see the package docstring)."""

from __future__ import annotations

import numpy as np

import reference as ref


def _iou(box, boxes) -> np.ndarray:
    """IoU of one corner-format box with each row of ``boxes`` (continuous coordinates)."""
    box, boxes = np.asarray(box, dtype=np.float64), np.atleast_2d(np.asarray(boxes, dtype=np.float64))
    width = np.maximum(0.0, np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0]))
    height = np.maximum(0.0, np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1]))
    inter = width * height
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / (area + areas - inter)


def _nms_survivors() -> float:
    # boxes A, B, C, D; the question gives the scores and the symmetric IoU table
    scores = np.array([0.9, 0.8, 0.7, 0.6])
    table = np.eye(4)
    for (i, j), value in {(0, 1): 0.7, (0, 2): 0.2, (0, 3): 0.1, (1, 2): 0.6, (1, 3): 0.3, (2, 3): 0.3}.items():
        table[i, j] = table[j, i] = value
    order = np.argsort(scores)[::-1]
    keep = []
    while order.size > 0:
        best = order[0]
        keep.append(best)
        order = order[1:][table[best, order[1:]] <= 0.5]
    return float(len(keep))


def _average_precision() -> float:
    hits = np.array([1, 0, 1, 1, 0], dtype=np.float64)  # TP, FP, TP, TP, FP by falling confidence
    objects = 4
    precision = np.cumsum(hits) / np.arange(1, hits.size + 1)
    recall = np.cumsum(hits) / objects
    # interpolated precision: the best precision at this recall or any higher one
    interpolated = np.maximum.accumulate(precision[::-1])[::-1]
    steps = np.diff(np.concatenate([[0.0], recall]))
    return float(np.sum(steps * interpolated))


def _transposed_conv_width() -> float:
    # scatter a 4-tap kernel from each of 7 inputs at stride 2, then cut the padding of 1 from both ends
    size, kernel, stride, pad = 7, 4, 2, 1
    canvas = np.zeros((size - 1) * stride + kernel)
    for position in range(size):
        canvas[position * stride : position * stride + kernel] += 1.0
    width = canvas[pad : canvas.size - pad].size
    assert ref.conv_output_size(width, kernel, stride, pad) == size  # the forward convolution takes it back to 7
    return float(width)


def _dilated_receptive_field() -> float:
    # push one pixel through 3x3 convolutions with dilations 1, 2, 4 (the filter with zeros between its taps)
    x = np.zeros((1, 1, 41, 41))
    x[0, 0, 20, 20] = 1.0
    for dilation in (1, 2, 4):
        span = 2 * dilation + 1
        filters = np.zeros((1, 1, span, span))
        filters[0, 0, ::dilation, ::dilation] = 1.0
        x = ref.Convolution(filters, np.zeros(1), pad=dilation).forward(x)
    return float(np.count_nonzero(x[0, 0, 20]))


RECOMPUTE = {
    "iou-value": ("arithmetic", lambda: float(_iou([0, 0, 4, 4], [[2, 1, 6, 5]])[0])),
    "nms-survivors": ("arithmetic", _nms_survivors),
    "yolo-output-size": ("arithmetic", lambda: 7 * 7 * (2 * 5 + 20)),
    "average-precision": ("arithmetic", _average_precision),
    "transposed-conv-size": ("arithmetic", _transposed_conv_width),
    "dilated-receptive-field": ("reference", _dilated_receptive_field),
}
