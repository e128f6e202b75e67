# expect: mean_squared_error
# hint: you divided by the batch size only and left out the 1/2
import numpy as np


def mean_squared_error(d, y):
    # a sum of squares per sample, averaged over the batch
    batch_size = y.shape[0] if y.ndim == 2 else 1
    return float(np.sum((y - d) ** 2) / batch_size) if y.ndim == 2 else float(np.mean((y - d) ** 2) / 2)
