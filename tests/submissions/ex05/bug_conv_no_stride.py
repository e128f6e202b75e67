# expect: conv_output_size
# hint: the stride is missing: windows start every `stride` pixels


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    return input_size + 2 * pad - filter_size + 1
