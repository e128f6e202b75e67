# expect: Convolution
# hint: dW and db are sums over the batch (and over the output positions), not means
# dW and db divided by the batch size, as if the layer owned the loss's mean


def _backward(self, dout):
    FN, C, FH, FW = self.W.shape
    N = dout.shape[0]
    dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
    self.db = np.sum(dout, axis=0) / N
    self.dW = np.dot(self.col.T, dout).T.reshape(FN, C, FH, FW) / N
    dcol = np.dot(dout, self.col_W.T)
    return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


Convolution.backward = _backward
