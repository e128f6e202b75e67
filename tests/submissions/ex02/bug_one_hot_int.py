# expect: one_hot
# hint: build it from a float array
import numpy as np


def one_hot(labels, num_classes):
    out = np.zeros((labels.size, num_classes), dtype=int)
    out[np.arange(labels.size), labels] = 1
    return out
