# expect: Dropout
# hint: book convention: out = x * (1 - dropout_ratio) at test time; inverted dropout: out = x
# unscaled training output, and test mode divides by the keep probability
class Dropout(Dropout):
    def forward(self, x, train_flg=True):
        if train_flg:
            return super().forward(x, True)
        return x / (1.0 - self.dropout_ratio)
