# expect: Dropout
# hint: returning x unchanged is right only for inverted dropout


class Dropout(Dropout):
    def forward(self, x, train_flg=True):
        if train_flg:
            self.mask = self.rng.random(x.shape) > self.dropout_ratio
            return x * self.mask
        # book convention in training, inverted convention at test: the means differ
        return x.copy()
