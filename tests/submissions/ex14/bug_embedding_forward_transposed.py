# expect: Embedding
# hint: keep idx for backward (self.idx = idx) and return W[idx], shape (N, D)
class Embedding(Embedding):
    def forward(self, idx):
        self.idx = idx
        return self.params[0][idx].T  # (D, N): one column per word
