# expect: Convolution
# hint: db is summed over N only
# hint: dW and db are sums over the batch (and over the output positions), not means
# db summed over the batch only: shape (FN, OH, OW) instead of (FN,)


def _backward(self, dout):
    FN, C, FH, FW = self.W.shape
    self.db = np.sum(dout, axis=0)
    dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
    self.dW = np.dot(self.col.T, dout).T.reshape(FN, C, FH, FW)
    dcol = np.dot(dout, self.col_W.T)
    return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


Convolution.backward = _backward
