# expect: Convolution
# hint: backward wrote into dout, an array the caller still owns (the book's Relu does dout[self.mask] = 0)
# "gradient clipping" inside the layer, in place: dout is changed and backward is no longer linear


def _backward(self, dout):
    FN, C, FH, FW = self.W.shape
    np.clip(dout, -1.0, 1.0, out=dout)
    dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
    self.db = np.sum(dout, axis=0)
    self.dW = np.dot(self.col.T, dout).T.reshape(FN, C, FH, FW)
    dcol = np.dot(dout, self.col_W.T)
    return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


Convolution.backward = _backward
