# expect: conv_output_size
# hint: pad is added on BOTH sides, so the padded size is input_size + 2 * pad
# hint: the last row and the last column of windows are missing


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    return (input_size + pad - filter_size) // stride + 1
