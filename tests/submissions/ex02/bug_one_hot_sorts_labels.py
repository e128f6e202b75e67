# expect: one_hot
# hint: row i is all 0.0 except 1.0 in column labels[i]
# hint: one_hot modified its argument labels in place
import numpy as np


def one_hot(labels, num_classes):
    # sorting "to make it tidy" reorders the caller's labels (and the rows)
    labels.sort()
    return np.eye(num_classes)[labels]
