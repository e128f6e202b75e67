# expect: Convolution
# hint: db is not summed: it needs one value per filter, the sum over every row (N, OH, OW)
# db is the rows of dout themselves, as if each output position had a bias of its own


def _backward(self, dout):
    FN, C, FH, FW = self.W.shape
    dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
    self.db = dout
    self.dW = np.dot(self.col.T, dout).T.reshape(FN, C, FH, FW)
    dcol = np.dot(dout, self.col_W.T)
    return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


Convolution.backward = _backward
