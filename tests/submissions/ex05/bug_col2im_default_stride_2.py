# expect: col2im
# hint: given ran: the defaults are the cause
_right_col2im = col2im


def col2im(col, input_shape, filter_h, filter_w, stride=2, pad=0):
    return _right_col2im(col, input_shape, filter_h, filter_w, stride, pad)
