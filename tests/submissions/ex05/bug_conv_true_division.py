# expect: conv_output_size
# hint: / is true division and gives fractions such as 3.5
# hint: / always gives a float in Python 3


def conv_output_size(input_size, filter_size, stride=1, pad=0):
    return (input_size + 2 * pad - filter_size) / stride + 1
