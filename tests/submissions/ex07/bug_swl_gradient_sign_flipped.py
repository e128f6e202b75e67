# expect: SoftmaxWithLoss
# hint: dx = (y - onehot(t)) / N with y saved in forward
# t - y: the sign of the gradient flipped


class SoftmaxWithLoss(SoftmaxWithLoss):
    def backward(self, dout=1):
        return -super().backward(dout)
