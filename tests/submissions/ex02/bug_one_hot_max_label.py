# expect: one_hot
# hint: you used labels.max() + 1 columns
import numpy as np


def one_hot(labels, num_classes):
    # the width comes from the labels seen, not from num_classes
    return np.eye(labels.max() + 1)[labels]
