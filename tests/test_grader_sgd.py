"""Checkers of notebook 07-sgd beyond the generic grader tests.

- the hidden cases alone catch the sample mistakes for EVERY student (not only the visible
  case): the dropped remainder, the global random state, no reshuffling, batches drawn once,
  the learning rate divided by the batch size, velocities reset every epoch, the warm-up's
  step counter reset every epoch, the logistic pair's delta, a warm-up ramp starting at 0;
- ``gradients``' hidden cases cover depths 1 to 4, every activation of the registry, the four
  canonical pairs (softmax with class ids and with one-hot rows), a batch of one; ``train``'s
  include a warm-up that crosses an epoch boundary and runs without one;
- every argument varies across one student's hidden cases, with batch sizes 1 and N among
  them, a momentum of 0 and a weight decay of 0; two students get different cases;
- ``train`` is judged with nnlib's pieces also inside a helper function of the student's;
- ``train_digits`` runs the student's pieces only: nnlib's backward pass during the capstone
  fails it, and its work is counted from the calls of the student's ``gradients``;
- ``train_digits``: no clock decides (a correct run passes with a clock that jumps 100 s per
  reading), the accuracy is computed from the returned weights in the judging process (evidence
  with zeroed weights fails), a run past the step bound is stopped at the bound, and the
  solution reaches at least 97 % on the visible seed;
- the visible tests print one ✔ line per visible case; the sweeps are shorter in a graded run.
"""
from __future__ import annotations

import json
import re
import time

import nbformat
import numpy as np
import pytest
from graderkit import SOLUTIONS, define, hidden_failure, namespace, with_mistake, wrong_answer

from nnlib import graders
from nnlib.checks import seeded_rng
from nnlib.graders import check, sgd
from nnlib.graders.base import Wrong
from nnlib.graders.runner import collect, judge_record, run_case

AID = "07-sgd"
STUDENTS = [f"student-{k:03d}" for k in range(20)]


@pytest.mark.parametrize("student, name", [("chen", "minibatches"), ("ivo", "minibatches"),
                                           ("ben", "minibatches"), ("gus", "train"),
                                           ("jun", "train"), ("tam", "train"),
                                           ("obi", "gradients"), ("pia", "warmup")])
def test_hidden_cases_catch_the_mistake_for_every_student(student, name):
    ns, m = with_mistake(AID, student)
    missed = [s for s in STUDENTS if (msg := hidden_failure(name, ns[name], s)) is None
              or m.diagnosis.lower() not in msg.lower()]
    assert not missed, f"{student}'s mistake ({m.why}) is not caught and named on the hidden cases of {missed}"


def test_velocities_reset_every_epoch_fail_for_every_student():
    source = wrong_answer("train", "reset at the start of every epoch")
    fn = define(AID, source, "train")
    for s in STUDENTS:
        msg = hidden_failure("train", fn, s)
        assert msg and "reset" in msg, f"{s}: {msg}"


def _values(cases, pick):
    return [pick(c) for c in cases]


def test_every_argument_varies_across_the_hidden_cases():
    for s in STUDENTS[:5]:
        mb = graders.get("minibatches").cases(seeded_rng(s, "minibatches"))
        n, B = _values(mb, lambda c: c.args[0]), _values(mb, lambda c: c.args[1])
        assert len(set(n)) > 1 and len(set(B)) > 1
        assert 1 in B and any(b == k for b, k in zip(B, n)) and any(b > k for b, k in zip(B, n))
        assert any(k % b for b, k in zip(B, n)) and any(k % b == 0 and b < k for b, k in zip(B, n))

        st = graders.get("sgd_step").cases(seeded_rng(s, "sgd_step"))
        for i in (6, 7, 8):  # learning rate, momentum, weight decay
            values = _values(st, lambda c: c.args[i])
            assert len(set(values)) == len(values) or 0.0 in values, values
        assert 0.0 in _values(st, lambda c: c.args[7]) and 0.0 in _values(st, lambda c: c.args[8])
        assert len({len(c.args[0]) for c in st}) > 1, "networks of one depth only"

        tr = graders.get("train").cases(seeded_rng(s, "train"))
        N = _values(tr, lambda c: c.args[0].shape[0])
        for i in range(2, 7):  # epochs, batch size, learning rate, momentum, weight decay
            assert len(set(_values(tr, lambda c: c.args[i]))) > 1, i
        B = _values(tr, lambda c: c.args[3])
        assert 1 in B and any(b == k for b, k in zip(B, N)) and any(k % b for b, k in zip(B, N))
        assert 0.0 in _values(tr, lambda c: c.args[5]) and 0.0 in _values(tr, lambda c: c.args[6])
        assert len({c.kwargs["loss"] for c in tr}) > 1 and len({c.kwargs["hidden"] for c in tr}) > 1


def test_gradients_cases_cover_depths_activations_pairs_and_a_batch_of_one():
    from nnlib.activations import ACTIVATIONS
    for s in STUDENTS[:5]:
        cases = graders.get("gradients").cases(seeded_rng(s, "gradients"))
        depths = {len(c.kwargs["sizes"]) - 1 for c in cases}
        assert depths == {1, 2, 3, 4}, depths
        deep = {c.kwargs["hidden"] for c in cases if len(c.kwargs["sizes"]) > 2}
        assert deep == set(ACTIVATIONS) - {"silu"}, deep
        assert {c.kwargs["loss"] for c in cases} == {"sse", "bce", "softmax_ce", "logistic"}
        ids = [c for c in cases if c.kwargs["loss"] == "softmax_ce"]
        assert any(np.ndim(c.args[1]) == 1 for c in ids) and any(np.ndim(c.args[1]) == 2 for c in ids)
        assert any(c.args[0].shape[0] == 1 for c in cases)
        assert any(len(set(c.kwargs["sizes"])) == 1 and len(c.kwargs["sizes"]) > 2 for c in cases)


def test_train_cases_warm_up_across_an_epoch_and_not_at_all():
    for s in STUDENTS[:5]:
        cases = graders.get("train").cases(seeded_rng(s, "train"))
        per_epoch = [-(-c.args[0].shape[0] // c.args[3]) for c in cases]
        S = [c.kwargs["warmup_steps"] for c in cases]
        assert 0 in S
        assert any(k > p and c.args[2] * p > p for k, p, c in zip(S, per_epoch, cases)), (S, per_epoch)


def test_warmup_cases_include_no_warmup_and_one_step():
    for s in STUDENTS[:5]:
        S = [c.args[1] for c in graders.get("warmup").cases(seeded_rng(s, "warmup"))]
        assert 0 in S and 1 in S and max(S) >= 50


def test_capstone_with_nnlibs_backward_fails_and_says_so():
    fn = define(AID, '''def train_digits(X, y, rng):
    net = nnlib.MLP([64, 64, 10], hidden="relu", loss="softmax_ce", rng=rng)
    nnlib.fit(net, X, y, 10, 64, 0.1, 0.9, 3e-3, rng=rng)
    return net, [0.0]
''', "train_digits")
    ex = graders.get("train_digits")
    case = ex.fixed_cases()[0]
    with pytest.raises(Wrong, match="reference implementation"):
        judge_record(ex, case, run_case(ex, fn, case))
    fn = define(AID, '''def train_digits(X, y, rng):
    net = nnlib.MLP([64, 64, 10], hidden="relu", loss="softmax_ce", rng=rng)
    history = []
    for _ in range(10):
        for idx in minibatches(X.shape[0], 64, rng):
            g = net.backward(net.forward(X[idx]), y[idx])
            for l in range(1, net.L + 1):
                net.W[l] -= 0.3 * g.dW[l]
                net.b[l] -= 0.3 * g.db[l]
        history.append(net.error(X, y))
    return net, history
''', "train_digits")
    with pytest.raises(Wrong, match="nnlib's backward pass ran 230 time"):
        judge_record(ex, case, run_case(ex, fn, case))


def test_two_students_get_different_cases():
    for name in ("minibatches", "sgd_step", "warmup", "gradients", "train", "train_digits"):
        ex = graders.get(name)
        a, b = ex.cases(seeded_rng("ann", name)), ex.cases(seeded_rng("bob", name))
        assert [c.label for c in a] != [c.label for c in b], name


def test_train_with_pieces_in_a_helper_sees_the_references():
    """The student's own minibatches is broken; their train calls it from a helper. The train
    checker installs nnlib's pieces in the notebook's globals, so the helper sees them too."""
    ns, _ = with_mistake(AID, "chen")  # chen's minibatches drops the last batch
    exec(compile('''def _epoch(net, X, y, batch_size, rng, state, rates, mu, wd):
    for idx in minibatches(X.shape[0], batch_size, rng):
        _, dW, db = gradients(net, X[idx], y[idx])
        sgd_step(net.W, net.b, dW, db, state[0], state[1], rates(state[2][0]), mu, wd)
        state[2][0] += 1


def train(net, X, y, epochs, batch_size, learning_rate, momentum, weight_decay, rng, warmup_steps=0):
    state = ([None] + [np.zeros_like(W) for W in net.W[1:]],
             [None] + [np.zeros_like(b) for b in net.b[1:]], [0])
    rates = warmup(learning_rate, warmup_steps)
    out = []
    for _ in range(epochs):
        _epoch(net, X, y, batch_size, rng, state, rates, momentum, weight_decay)
        out.append(net.error(X, y))
    return out
''', "<helper train>", "exec"), ns)
    doc = json.loads(json.dumps(collect("train", ns["train"], "student-001")))
    v = graders.judge_evidence(graders.get("train"), "student-001", doc)
    assert v.passed, v.message
    assert ns["minibatches"] is not sgd._reference_minibatches  # restored afterwards


class _JumpingClock:
    def __init__(self):
        self.t = 0.0

    def __call__(self):
        self.t += 100.0
        return self.t


def test_no_clock_decides_train_digits(monkeypatch):
    clock = _JumpingClock()
    for name in ("perf_counter", "time", "monotonic", "process_time"):
        monkeypatch.setattr(time, name, clock)
    fn = namespace(AID)["train_digits"]
    doc = json.loads(json.dumps(collect("train_digits", fn, "student-003")))
    monkeypatch.undo()
    v = graders.judge_evidence(graders.get("train_digits"), "student-003", doc)
    assert v.passed, v.message


def test_accuracy_is_computed_from_the_returned_weights():
    fn = namespace(AID)["train_digits"]
    doc = json.loads(json.dumps(collect("train_digits", fn, "student-004")))
    ok = graders.judge_evidence(graders.get("train_digits"), "student-004", doc)
    assert ok.passed, ok.message
    # replace the weights of the last layer in the evidence by zeros: every class scores the same
    from nnlib.graders import evidence
    for rec in doc["cases"]:
        out = evidence.decode(rec["output"])
        out["net"]["W"][-1] = np.zeros_like(out["net"]["W"][-1])
        out["net"]["b"][-1] = np.zeros_like(out["net"]["b"][-1])
        rec["output"] = evidence.encode(out)
    bad = graders.judge_evidence(graders.get("train_digits"), "student-004", doc)
    assert not bad.passed and "test accuracy 0.1" in bad.message, bad.message


def test_a_run_past_the_step_bound_is_stopped_there():
    fn = define(AID, '''def train_digits(X, y, rng):
    net = nnlib.MLP([64, 16, 10], hidden="relu", loss="softmax_ce", rng=rng)
    return net, train(net, X, y, epochs=3, batch_size=1, learning_rate=0.01, momentum=0.0,
                      weight_decay=0.0, rng=rng)
''', "train_digits")
    ex = graders.get("train_digits")
    case = ex.fixed_cases()[0]
    rec = run_case(ex, fn, case)
    from nnlib.graders import evidence
    out = evidence.decode(rec["output"])
    assert out["stopped"] and out["steps"] == sgd.MAX_STEPS + 1, (out["stopped"], out["steps"])
    with pytest.raises(Wrong, match=f"more than {sgd.MAX_STEPS} steps"):
        judge_record(ex, case, rec)


def test_the_solution_reaches_97_percent_on_the_visible_seed():
    ex = graders.get("train_digits")
    case = ex.fixed_cases()[0]
    note = judge_record(ex, case, run_case(ex, namespace(AID)["train_digits"], case))
    accuracy = float(re.search(r"test accuracy ([0-9.]+)", note).group(1))
    assert accuracy >= 0.97, note


def test_visible_tests_print_one_check_line_per_case(capsys):
    ns = namespace(AID)
    for name in ("minibatches", "sgd_step", "warmup", "gradients", "train"):
        check(name, ns[name])
        lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("\u2714")]
        assert len(lines) == len(graders.get(name).fixed_cases()), lines


def test_visible_test_refuses_the_reference():
    fn = define(AID, '''def sgd_step(W, b, dW, db, vW, vb, learning_rate, momentum, weight_decay):
    nnlib.training.sgd_step(W, b, dW, db, learning_rate, momentum, weight_decay, vW, vb)
''', "sgd_step")
    with pytest.raises(AssertionError, match="reference implementation"):
        check("sgd_step", fn)


def test_sweeps_are_short_in_a_graded_run_and_say_so():
    nb = nbformat.read(SOLUTIONS / AID / f"{AID}.ipynb", as_version=4)
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    assert 'QUICK = os.environ.get("NBGRADER_EXECUTION") == "autograde"' in text
    assert text.count("if QUICK:\n    print(") >= 2
