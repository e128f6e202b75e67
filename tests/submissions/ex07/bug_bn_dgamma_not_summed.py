# expect: BatchNormalization
# hint: dgamma must be summed over the batch axis: shape (D,)
class BatchNormalization(BatchNormalization):
    def backward(self, dout):
        dx = super().backward(dout)
        self.dgamma = dout * self.xn
        return dx
