# expect: TransformerEncoderBlock
# hint: the two LayerNorms' parameters are swapped
class TransformerEncoderBlock(TransformerEncoderBlock):
    def __init__(self, params, num_heads):
        super().__init__(params, num_heads)
        self.norm1 = LayerNorm(params["gamma2"], params["beta2"])
        self.norm2 = LayerNorm(params["gamma1"], params["beta1"])
