# expect: conv_output_size
# hint: the + 1 is missing: the first window sits at position 0 and is counted too


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    return (input_size + 2 * pad - filter_size) // stride
