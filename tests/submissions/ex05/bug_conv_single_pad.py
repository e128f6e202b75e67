# expect: conv_output_size


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    return (input_size + pad - filter_size) // stride + 1
