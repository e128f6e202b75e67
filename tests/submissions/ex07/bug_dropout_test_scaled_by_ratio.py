# expect: Dropout
# hint: multiply by the keep probability 1 - dropout_ratio, not by dropout_ratio
class Dropout(Dropout):
    def forward(self, x, train_flg=True):
        if train_flg:
            return super().forward(x, True)
        return x * self.dropout_ratio
