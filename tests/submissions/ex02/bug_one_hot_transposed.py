# expect: one_hot
# hint: the result is transposed: one row per label, (N, num_classes)
import numpy as np


def one_hot(labels, num_classes):
    # one column per label
    return np.eye(num_classes)[:, labels]
