# expect: MultiHeadAttention
# hint: when one array is passed as q, k and v, backward still returns three separate gradients
class MultiHeadAttention(MultiHeadAttention):
    def forward(self, q, k, v, mask=None):
        self.same_input = q is k and k is v
        return super().forward(q, k, v, mask)

    def backward(self, dout):
        dq, dk, dv = super().backward(dout)
        if self.same_input:
            # "x is q, k and v, so each of them gets the whole gradient of x"
            dx = dq + dk + dv
            return dx, dx, dx
        return dq, dk, dv
