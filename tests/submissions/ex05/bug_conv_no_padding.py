# expect: conv_output_size
# hint: the padding is missing: the padded size is input_size + 2 * pad


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    return (input_size - filter_size) // stride + 1
