# expect: conv_output_size
# hint: np.floor and np.ceil return floats
import numpy as np


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    return np.floor((input_size + 2 * pad - filter_size) / stride) + 1
