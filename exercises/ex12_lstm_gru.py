"""Exercise 12: gated cells (LSTM and GRU).

Implement the gated recurrent cells of "Deep Learning from Scratch 2"
(ゼロから作るDeep Learning ❷, chapter 6): an LSTM cell for one time step, a
TimeLSTM layer that runs it over a whole sequence with truncated
backpropagation through time, and a GRU cell.

    LSTM(Wx, Wh, b)                   one step: (x, h_prev, c_prev) -> (h_next, c_next)
    TimeLSTM(Wx, Wh, b, stateful)     T steps over xs (N, T, D) -> hs (N, T, H)
    GRU(Wx, Wh, b)                    one step: (x, h_prev) -> h_next

The conventions of exercise 11 hold: parameters in the list
``self.params = [Wx, Wh, b]``, their gradients in the list
``self.grads = [dWx, dWh, db]``, created once in ``__init__`` (zeros) and
overwritten *in place* on every backward (``self.grads[0][...] = dWx``).
The four (LSTM) or three (GRU) gates share one matrix product: their weights
sit side by side in Wx and Wh, in the order this file states (f, g, i, o for
the LSTM; z, r, candidate for the GRU), which is not PyTorch's order.

Grade it with:   grade exercise 12
Allowed imports: NumPy, the Python standard library, and your own earlier
exercise files.  This file imports your sigmoid from exercise 1
(ex01_activations.py).  The reference implementation and the worked
solutions can not be imported while your file is graded.

課題 12：ゲート付きのセル（LSTM と GRU）

『ゼロから作るDeep Learning ❷』6 章のゲート付き RNN を実装します。1 時刻分の
LSTM セル、それを系列全体に適用して Truncated BPTT で逆伝播する TimeLSTM
レイヤ、そして GRU セルです。

    LSTM(Wx, Wh, b)                   1 時刻: (x, h_prev, c_prev) -> (h_next, c_next)
    TimeLSTM(Wx, Wh, b, stateful)     T 時刻分: xs (N, T, D) -> hs (N, T, H)
    GRU(Wx, Wh, b)                    1 時刻: (x, h_prev) -> h_next

課題 11 と同じく、パラメータはリスト self.params = [Wx, Wh, b] に、その勾配は
リスト self.grads = [dWx, dWh, db] に持ちます。self.grads は __init__ で一度だけ
（0 で）作り、backward のたびに配列の中身を上書きします
（self.grads[0][...] = dWx）。4 つ（LSTM）または 3 つ（GRU）のゲートは 1 回の
行列の積をまとめて使います。ゲートの重みは Wx と Wh の中に横に並んでいて、
その順番はこのファイルに書いた順（LSTM は f, g, i, o、GRU は z, r, 候補）です。
PyTorch の順番とは違うので注意してください。

採点コマンド:    grade exercise 12
import できるもの: NumPy、Python 標準ライブラリ、自分で書いた前の課題ファイル。
このファイルは課題 1（ex01_activations.py）の sigmoid を import しています。
採点中は参照実装や模範解答は import できません。
"""

from __future__ import annotations

import numpy as np

from ex01_activations import sigmoid  # noqa: F401  (for your code)


class LSTM:
    """One time step of an LSTM (long short-term memory) cell.

    Parameters
    ----------
    Wx : ndarray of float, shape (D, 4H)
        Input weights of the four gates side by side: columns [0, H) for f,
        [H, 2H) for g, [2H, 3H) for i, [3H, 4H) for o.
    Wh : ndarray of float, shape (H, 4H)
        Recurrent weights, the same four blocks.
    b : ndarray of float, shape (4H,)
        Biases, the same four blocks.

    forward(x, h_prev, c_prev) -> (h_next, c_next)
        x : (N, D), h_prev and c_prev : (N, H).
        A = x @ Wx + h_prev @ Wh + b                 (N, 4H)
        f = sigmoid(A[:, :H])       forget gate
        g = tanh(A[:, H:2H])        new memory (candidate)
        i = sigmoid(A[:, 2H:3H])    input gate
        o = sigmoid(A[:, 3H:])      output gate
        c_next = f * c_prev + g * i,   h_next = o * tanh(c_next)
    backward(dh_next, dc_next) -> (dx, dh_prev, dc_prev)
        The gradient reaching c_next comes by two paths:
        ds = dc_next + dh_next * o * (1 - tanh(c_next) ** 2).
        dc_prev = ds * f.  The gate gradients df, dg, di, do (each (N, H),
        times the derivative of its sigmoid or tanh) are stacked in the same
        order as A, dA = [df, dg, di, do] (N, 4H); then
        dx = dA @ Wx.T, dh_prev = dA @ Wh.T, and
        self.grads[0][...] = x.T @ dA, self.grads[1][...] = h_prev.T @ dA,
        self.grads[2][...] = sum of dA over the batch axis.

    Pitfalls / 注意
    ---------------
    Slice A in the order f, g, i, o (PyTorch's LSTM uses i, f, g, o) and
    stack dA in the same order.  h_next = o * tanh(c_next): the tanh'
    factor belongs in ds.  Write into self.grads in place.

    LSTM セル（1 時刻分）
    ---------------------
    引数 Wx : 4 つのゲートの入力の重みを横に並べたもの、形状 (D, 4H)。
              列 [0, H) が f、[H, 2H) が g、[2H, 3H) が i、[3H, 4H) が o
    引数 Wh : 再帰の重み（同じ 4 ブロック）、形状 (H, 4H)
    引数 b  : バイアス（同じ 4 ブロック）、形状 (4H,)
    forward(x, h_prev, c_prev) -> (h_next, c_next)
        x : (N, D)、h_prev と c_prev : (N, H)
        A = x @ Wx + h_prev @ Wh + b                 (N, 4H)
        f = sigmoid(A[:, :H])       忘却ゲート
        g = tanh(A[:, H:2H])        新しい記憶（候補）
        i = sigmoid(A[:, 2H:3H])    入力ゲート
        o = sigmoid(A[:, 3H:])      出力ゲート
        c_next = f * c_prev + g * i、h_next = o * tanh(c_next)
    backward(dh_next, dc_next) -> (dx, dh_prev, dc_prev)
        c_next に届く勾配は 2 つの経路の和です:
        ds = dc_next + dh_next * o * (1 - tanh(c_next) ** 2)
        dc_prev = ds * f。各ゲートの勾配 df, dg, di, do（それぞれ (N, H)、
        sigmoid または tanh の微分を掛けたもの）を A と同じ順に並べて
        dA = [df, dg, di, do] (N, 4H) とし、dx = dA @ Wx.T、dh_prev = dA @ Wh.T、
        self.grads[0][...] = x.T @ dA、self.grads[1][...] = h_prev.T @ dA、
        self.grads[2][...] = dA のバッチ方向の和 です。
    注意: A は f, g, i, o の順に切り分けます（PyTorch の LSTM は i, f, g, o）。
    dA も同じ順に並べます。h_next = o * tanh(c_next) なので、tanh の微分は
    ds に入ります。self.grads には中身を上書きする形で書き込みます。
    """

    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray) -> None:
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(
        self, x: np.ndarray, h_prev: np.ndarray, c_prev: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return (h_next, c_next) and keep what backward needs.  順伝播。"""
        raise NotImplementedError("LSTM.forward: not implemented yet (未実装)")

    def backward(
        self, dh_next: np.ndarray, dc_next: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Set dWx, dWh, db in self.grads; return (dx, dh_prev, dc_prev).  逆伝播。"""
        raise NotImplementedError("LSTM.backward: not implemented yet (未実装)")


class TimeLSTM:
    """T time steps of one LSTM cell, with truncated BPTT.

    Parameters
    ----------
    Wx, Wh, b : ndarray of float
        As for LSTM: (D, 4H), (H, 4H), (4H,), shared by every time step.
    stateful : bool, default False
        False: every forward starts from h = 0 and c = 0.  True: forward
        starts from the last h and c of the previous forward (zeros the first
        time, and after reset_state()).

    forward(xs) -> hs
        xs : (N, T, D).  hs : (N, T, H), hs[:, t] the hidden state of step t.
        Build one LSTM(*self.params) per step and keep them for backward.
        Keep the last hidden state in self.h and the last cell state in
        self.c.
    backward(dhs) -> dxs
        dhs : (N, T, H).  Go back from t = T - 1 to 0 with dh and dc coming
        back from step t + 1 (both 0 before the last step: hs is the only
        output): step t gets dh_next = dhs[:, t] + dh and dc_next = dc.
        dxs : (N, T, D).  self.grads holds the *sums over time* of the
        steps' gradients; self.dh keeps dh after step 0 (the gradient with
        respect to the initial hidden state).
    reset_state()
        Forget the kept h and c.

    Pitfalls / 注意
    ---------------
    Carry both h and c from step to step, in forward and in backward.  Add
    up the steps' gradients.  Let the dtype follow the inputs (the book's
    np.empty(..., dtype='f') makes float32 results).

    TimeLSTM レイヤ（T 時刻分、Truncated BPTT）
    ------------------------------------------
    引数 Wx, Wh, b : LSTM と同じ (D, 4H)、(H, 4H)、(4H,)。全時刻で共有します。
    引数 stateful : 既定値 False。False なら forward のたびに h = 0、c = 0
    から始めます。True なら前回の forward の最後の h と c から始めます
    （最初と reset_state() の後は 0）。
    forward(xs) -> hs
        xs : (N, T, D)。hs : (N, T, H)。hs[:, t] は時刻 t の隠れ状態です。
        時刻ごとに LSTM(*self.params) を作り、backward のために保存します。
        最後の隠れ状態を self.h に、最後の記憶セルを self.c に保存します。
    backward(dhs) -> dxs
        dhs : (N, T, H)。t = T - 1 から 0 へ逆向きに進みます。時刻 t + 1 から
        戻ってきた dh と dc（最後の時刻の前はどちらも 0。出力は hs だけです）を
        使い、時刻 t には dh_next = dhs[:, t] + dh、dc_next = dc を渡します。
        dxs : (N, T, D)。self.grads には各時刻の勾配の*時間方向の和*を入れます。
        時刻 0 の後の dh（最初の隠れ状態についての勾配）を self.dh に保存します。
    reset_state()
        保存している h と c を捨てます。
    注意: h と c の両方を、順伝播でも逆伝播でも時刻から時刻へ引き継ぎます。
    各時刻の勾配は足し合わせます。dtype は入力に合わせましょう（書籍の
    np.empty(..., dtype='f') では結果が float32 になります）。
    """

    def __init__(
        self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray, stateful: bool = False
    ) -> None:
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.layers = None
        self.h, self.c = None, None
        self.dh = None
        self.stateful = stateful

    def forward(self, xs: np.ndarray) -> np.ndarray:
        """Return hs (N, T, H) for xs (N, T, D).  順伝播。"""
        raise NotImplementedError("TimeLSTM.forward: not implemented yet (未実装)")

    def backward(self, dhs: np.ndarray) -> np.ndarray:
        """Sum the gradients over time into self.grads, set self.dh, return dxs.

        逆伝播。
        """
        raise NotImplementedError("TimeLSTM.backward: not implemented yet (未実装)")

    def reset_state(self) -> None:
        """Forget the kept hidden state and cell state.  状態をリセット。"""
        raise NotImplementedError("TimeLSTM.reset_state: not implemented yet (未実装)")


class GRU:
    """One time step of a GRU (gated recurrent unit) cell.

    Parameters
    ----------
    Wx : ndarray of float, shape (D, 3H)
        Input weights side by side: columns [0, H) for the update gate z,
        [H, 2H) for the reset gate r, [2H, 3H) for the candidate h_hat.
    Wh : ndarray of float, shape (H, 3H)
        Recurrent weights, the same three blocks.
    b : ndarray of float, shape (3H,)
        Biases, the same three blocks.

    forward(x, h_prev) -> h_next
        x : (N, D), h_prev : (N, H).  With Wx_z = Wx[:, :H] and so on:
        z = sigmoid(x @ Wx_z + h_prev @ Wh_z + b_z)
        r = sigmoid(x @ Wx_r + h_prev @ Wh_r + b_r)
        h_hat = tanh(x @ Wx_h + (r * h_prev) @ Wh_h + b_h)
        h_next = (1 - z) * h_prev + z * h_hat
    backward(dh_next) -> (dx, dh_prev)
        dh_next : (N, H).  h_prev reaches h_next four ways: directly
        (weight 1 - z), through z, through r and through the candidate
        (as r * h_prev).  Stack the gradients at the three pre-activations
        as dA = [dz, dr, dh_hat] (N, 3H); then dx = dA @ Wx.T,
        self.grads[0][...] = x.T @ dA, self.grads[2][...] = sum of dA over
        the batch axis, and self.grads[1] has h_prev.T @ dz and
        h_prev.T @ dr in its z and r blocks, (r * h_prev).T @ dh_hat in the
        candidate's.

    Pitfalls / 注意
    ---------------
    r multiplies h_prev *before* the product with Wh_h (PyTorch's GRU
    multiplies after it, and swaps the roles of z and 1 - z).

    GRU セル（1 時刻分）
    --------------------
    引数 Wx : 入力の重みを横に並べたもの、形状 (D, 3H)。列 [0, H) が更新ゲート z、
              [H, 2H) がリセットゲート r、[2H, 3H) が候補 h_hat
    引数 Wh : 再帰の重み（同じ 3 ブロック）、形状 (H, 3H)
    引数 b  : バイアス（同じ 3 ブロック）、形状 (3H,)
    forward(x, h_prev) -> h_next
        x : (N, D)、h_prev : (N, H)。Wx_z = Wx[:, :H] などとして:
        z = sigmoid(x @ Wx_z + h_prev @ Wh_z + b_z)
        r = sigmoid(x @ Wx_r + h_prev @ Wh_r + b_r)
        h_hat = tanh(x @ Wx_h + (r * h_prev) @ Wh_h + b_h)
        h_next = (1 - z) * h_prev + z * h_hat
    backward(dh_next) -> (dx, dh_prev)
        dh_next : (N, H)。h_prev から h_next への経路は 4 つあります: 直接
        （重み 1 - z）、z 経由、r 経由、候補経由（r * h_prev として）。
        3 つの活性化関数の入力での勾配を dA = [dz, dr, dh_hat] (N, 3H) と並べ、
        dx = dA @ Wx.T、self.grads[0][...] = x.T @ dA、
        self.grads[2][...] = dA のバッチ方向の和 とします。self.grads[1] は
        z と r のブロックが h_prev.T @ dz と h_prev.T @ dr、候補のブロックが
        (r * h_prev).T @ dh_hat です。
    注意: r は Wh_h との積の*前*に h_prev に掛けます（PyTorch の GRU は積の
    後に掛け、z と 1 - z の役割も逆です）。
    """

    def __init__(self, Wx: np.ndarray, Wh: np.ndarray, b: np.ndarray) -> None:
        self.params = [Wx, Wh, b]
        self.grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        self.cache = None

    def forward(self, x: np.ndarray, h_prev: np.ndarray) -> np.ndarray:
        """Return h_next (N, H) and keep what backward needs.  順伝播。"""
        raise NotImplementedError("GRU.forward: not implemented yet (未実装)")

    def backward(self, dh_next: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Write dWx, dWh, db into self.grads; return (dx, dh_prev).  逆伝播。"""
        raise NotImplementedError("GRU.backward: not implemented yet (未実装)")
