# expect: Convolution
# hint: db must have b's shape (FN,): sum without keepdims, or reshape(b.shape)
# keepdims=True out of habit: db is (1, FN), not b's (FN,)


def _backward(self, dout):
    FN, C, FH, FW = self.W.shape
    dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
    self.db = np.sum(dout, axis=0, keepdims=True)
    self.dW = np.dot(self.col.T, dout).T.reshape(FN, C, FH, FW)
    dcol = np.dot(dout, self.col_W.T)
    return col2im(dcol, self.x.shape, FH, FW, self.stride, self.pad)


Convolution.backward = _backward
