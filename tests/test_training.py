"""Mini-batches, the SGD step (checked against hand-worked numbers), warm-up and the fit loop."""
import numpy as np
import pytest

from nnlib import MLP, SGD, TrainingDiverged, data, fit, minibatches, sgd_step, warmup


def test_minibatches_cover_every_example_once_and_keep_the_last_partial_batch():
    batches = minibatches(10, 4, np.random.default_rng(0))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches).tolist()) == list(range(10))


def test_minibatches_reshuffle_every_call_and_depend_only_on_rng():
    rng = np.random.default_rng(1)
    first, second = np.concatenate(minibatches(50, 8, rng)), np.concatenate(minibatches(50, 8, rng))
    assert not np.array_equal(first, second)
    again = np.random.default_rng(1)
    assert np.array_equal(first, np.concatenate(minibatches(50, 8, again)))
    assert np.array_equal(np.concatenate(minibatches(5, 2, rng, shuffle=False)), np.arange(5))


def test_minibatches_reject_bad_sizes():
    with pytest.raises(ValueError, match="batch_size"):
        minibatches(10, 0, np.random.default_rng(0))
    with pytest.raises(TypeError, match="default_rng"):
        minibatches(10, 2, None)


def test_sgd_step_with_momentum_and_weight_decay_matches_hand_computation():
    # lr 0.1, momentum 0.9, weight decay 0.01, the same gradient twice.
    W = [None, np.array([[1.0, 2.0]])]
    b = [None, np.array([0.5])]
    dW = [None, np.array([[0.5, -1.0]])]
    db = [None, np.array([0.2])]
    v = sgd_step(W, b, dW, db, 0.1, momentum=0.9, weight_decay=0.01)
    # step 1: g = [0.5 + 0.01*1, -1 + 0.01*2] = [0.51, -0.98]; v = -0.1 g = [-0.051, 0.098]
    #         W = [1 - 0.051, 2 + 0.098] = [0.949, 2.098];  bias: v = -0.02, b = 0.48 (not decayed)
    assert np.allclose(W[1], [[0.949, 2.098]]) and np.allclose(b[1], [0.48])
    sgd_step(W, b, dW, db, 0.1, momentum=0.9, weight_decay=0.01, vW=v[0], vb=v[1])
    # step 2: g = [0.5 + 0.00949, -1 + 0.02098] = [0.50949, -0.97902]
    #         v = 0.9 [-0.051, 0.098] - 0.1 g = [-0.0459 - 0.050949, 0.0882 + 0.097902]
    #           = [-0.096849, 0.186102];  W = [0.852151, 2.284102]
    #         bias: v = 0.9 (-0.02) - 0.02 = -0.038, b = 0.442
    assert np.allclose(W[1], [[0.852151, 2.284102]], atol=1e-12)
    assert np.allclose(b[1], [0.442], atol=1e-12)


def test_sgd_object_uses_schedule_and_rejects_bad_values():
    lrs = warmup(0.1, 4)
    assert [lrs(s) for s in range(6)] == pytest.approx([0.025, 0.05, 0.075, 0.1, 0.1, 0.1])
    assert warmup(0.3, 0)(0) == 0.3
    opt = SGD(lrs)
    net = MLP([1, 1], loss="sse", init="zeros")
    grads = net.gradients(np.array([[1.0]]), np.array([[1.0]]))[1]
    opt.step(net, grads)
    assert opt.steps == 1 and opt.current_learning_rate() == pytest.approx(0.05)
    # first step: z = 0, delta = (0 - 1)/1 = -1, dW = -1 * 1, so W = 0 - 0.025 * (-1)
    assert net.W[1][0, 0] == pytest.approx(0.025)
    for kwargs in ({"learning_rate": 0}, {"learning_rate": 0.1, "momentum": 1.0},
                   {"learning_rate": 0.1, "weight_decay": -1}):
        with pytest.raises(ValueError):
            SGD(**kwargs)


def test_fit_records_history_and_learns():
    X, t = data.moons(200, noise=0.1, rng=0)
    net = MLP([2, 16, 2], hidden="tanh", rng=1)
    h = fit(net, X, t, epochs=40, batch_size=16, learning_rate=0.3, momentum=0.5, rng=2,
            validation=(X, t))
    assert h.epochs == 40 and len(h.accuracy) == 40 and len(h.val_loss) == 40
    assert h.loss[-1] < 0.5 * h.loss[0]
    assert h.accuracy[-1] > 0.95


def test_fit_is_reproducible_with_the_same_rng():
    X, t = data.circles(100, rng=3)
    runs = []
    for _ in range(2):
        net = MLP([2, 8, 2], hidden="relu", rng=4)
        runs.append(fit(net, X, t, epochs=5, rng=5).loss)
    assert runs[0] == runs[1]


def test_fit_stops_with_a_clear_error_when_the_loss_diverges():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3)) * 10
    T = rng.normal(size=(64, 1)) * 10
    net = MLP([3, 32, 1], hidden="relu", loss="sse", rng=1)
    with pytest.raises(TrainingDiverged, match=r"diverged.*epoch \d+.*learning rate 10") as info:
        with np.errstate(all="ignore"):
            fit(net, X, T, epochs=50, learning_rate=10.0, rng=2)
    assert info.value.history.epochs < 50  # what was recorded before it diverged


def test_fit_shows_a_progress_bar(capsys):
    X, t = data.xor()
    net = MLP([2, 2, 1], loss="bce", rng=0)
    fit(net, X, t.reshape(-1, 1), epochs=3, rng=0, progress=True)
    assert "3/3" in capsys.readouterr().err


@pytest.mark.parametrize("loss, hidden", [("softmax_ce", "tanh"), ("bce", "relu"), ("sse", "sigmoid")])
def test_fit_records_the_epochs_mini_batch_errors_by_default(loss, hidden):
    # Replay the same steps by hand: each batch's E (nnlib's stable loss value) just before its
    # step, weighted by the batch size; the last batch of 50 examples in batches of 16 has 2.
    X, t = data.moons(50, noise=0.2, rng=0)
    T = {"softmax_ce": t, "bce": t.reshape(-1, 1), "sse": np.c_[t, 1 - t] * 2.0}[loss]
    K = 2 if loss != "bce" else 1
    net, replay = MLP([2, 5, K], hidden=hidden, loss=loss, rng=1), MLP([2, 5, K], hidden=hidden, loss=loss, rng=1)
    history = fit(net, X, T, epochs=3, batch_size=16, learning_rate=0.5, rng=2)
    rng, expected, accuracy = np.random.default_rng(2), [], []
    for _ in range(3):
        errors, sizes, correct = [], [], 0.0
        for idx in minibatches(len(X), 16, rng):
            E, grads = replay.gradients(X[idx], T[idx])
            if loss != "sse":
                correct += replay.accuracy(X[idx], T[idx]) * len(idx)
            errors.append(E)
            sizes.append(len(idx))
            sgd_step(replay.W, replay.b, grads.dW, grads.db, 0.5)
        expected.append(np.average(errors, weights=sizes))
        accuracy.append(correct / len(X))
    assert history.record == "batches"
    assert np.allclose(history.loss, expected, rtol=1e-12, atol=0)
    assert np.allclose(history.accuracy, accuracy if loss != "sse" else [], atol=1e-12)
    for l in range(1, 3):
        assert np.array_equal(net.W[l], replay.W[l])


def test_fit_record_full_is_the_error_on_the_whole_training_set_after_each_epoch():
    X, t = data.circles(60, rng=3)
    net, steps = MLP([2, 6, 2], hidden="tanh", rng=4), MLP([2, 6, 2], hidden="tanh", rng=4)
    history = fit(net, X, t, epochs=4, batch_size=8, learning_rate=0.3, rng=5, record="full")
    rng, expected = np.random.default_rng(5), []
    for _ in range(4):  # without momentum, one epoch at a time with the same generator is the same run
        fit(steps, X, t, epochs=1, batch_size=8, learning_rate=0.3, rng=rng)
        expected.append(steps.error(X, t))
    assert history.record == "full" and np.allclose(history.loss, expected, rtol=1e-12, atol=0)
    batches = fit(MLP([2, 6, 2], hidden="tanh", rng=4), X, t, 4, 8, 0.3, rng=5).loss
    assert not np.allclose(batches, history.loss)  # the two records differ while it learns
    with pytest.raises(ValueError, match="record must be one of"):
        fit(net, X, t, epochs=1, rng=0, record="epoch")


def test_fit_still_names_the_layer_when_a_weight_was_replaced_by_the_wrong_shape():
    X, t = data.xor()
    net = MLP([2, 3, 1], loss="bce", rng=0)
    net.W[2] = np.zeros((1, 4))
    with pytest.raises(ValueError, match=r"layer 2.*\(1, 4\)"):
        fit(net, X, t.reshape(-1, 1), epochs=1, rng=0)
