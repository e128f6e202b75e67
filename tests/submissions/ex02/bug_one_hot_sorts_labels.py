# expect: one_hot
import numpy as np


def one_hot(labels, num_classes):
    # sorting "to make it tidy" reorders the caller's labels (and the rows)
    labels.sort()
    return np.eye(num_classes)[labels]
