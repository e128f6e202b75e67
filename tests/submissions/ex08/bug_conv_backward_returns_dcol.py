# expect: Convolution
# hint: that is dcol, the gradient of im2col's matrix: fold it back onto the image with col2im(dcol, x.shape, FH, FW, stride, pad)
# col2im forgotten: backward returns the column matrix dcol


def _backward(self, dout):
    FN, C, FH, FW = self.W.shape
    dout = dout.transpose(0, 2, 3, 1).reshape(-1, FN)
    self.db = np.sum(dout, axis=0)
    self.dW = np.dot(self.col.T, dout).T.reshape(FN, C, FH, FW)
    return np.dot(dout, self.col_W.T)


Convolution.backward = _backward
