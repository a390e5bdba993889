"""Checkers of notebook 06 (``nnlib.graders.initialization``) where the generic tests don't reach.

- the statistics of an initializer: a correct sample passes for many seeds and shapes, well
  inside the tolerance; every named wrong variance fails for every student and is named;
- the global random state is observed in the kernel (and restored), and the judge trusts
  nothing else: evidence that says the state changed fails;
- the cases differ between students, are never square, carry a bounded number of weights;
- train_with_init: every argument is varied (no case passes a default), the reference runs
  never diverge, and an answer that ignores an argument fails for every student;
- activation_stds: the row-wise shortcut and the missing transpose fail for every student;
- the share of named diagnoses over the sample mistakes and tests/answers/initialization.py.
"""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
from answers import initialization as answers
from graderkit import define, mistakes, namespace, source_notebook, verdict

from nnlib import checks, graders
from nnlib.graders import initialization as gi
from nnlib.graders.runner import all_cases, collect

AID = "06-initialization"
STUDENTS = [f"student-{k:03d}" for k in range(8)]


def _hidden(name, student):
    return graders.get(name).cases(checks.seeded_rng(student, name))


# --- statistics of an initializer ----------------------------------------------------------
def test_a_correct_normal_sample_passes_with_room_to_spare():
    """300 correct samples of 30k weights: every one passes, and the largest standardized
    deviation of the variance is far from the 6 standard errors allowed."""
    rng = np.random.default_rng(123)
    z = []
    for _ in range(200):
        var = float(rng.uniform(1e-4, 2.0))
        W = rng.normal(0.0, math.sqrt(var), size=(200, 150))
        gi.judge_normal_sample(W, var, "w", "s2")
        z.append(abs(np.mean(W * W) - var) / (var * math.sqrt(2.0 / W.size)))
    assert max(z) < 5.0, max(z)


@pytest.mark.parametrize("name", ["he_normal", "xavier_normal"])
def test_every_named_wrong_variance_fails_for_every_student_and_is_named(name):
    ex = graders.get(name)
    for description in ex.wrong_variances(3, 5):
        def wrong_init(shape, rng, description=description):
            fan_out, fan_in = shape
            return rng.normal(0.0, math.sqrt(ex.wrong_variances(fan_in, fan_out)[description]),
                              size=shape)
        for student in STUDENTS[:2]:    # every student's shapes: see the next test
            v = verdict(name, wrong_init, student)
            assert not v.passed, f"{name} with {description!r} passes for {student}"
            assert description in v.message, f"{description!r} not named: {v.message}"


@pytest.mark.parametrize("name", ["he_normal", "xavier_normal"])
def test_stats_cases_are_non_square_bounded_and_differ_between_students(name):
    seen = set()
    for student in STUDENTS:
        cases = all_cases(graders.get(name), student)
        stats = [c for c in cases if c.data["kind"] == "stats"]
        assert len(stats) == 4 and sum(c.data["kind"] == "repro" for c in cases) == 2
        for c in cases:
            fan_out, fan_in = c.args[0]
            assert fan_out != fan_in, c.label
        for c in stats:
            fan_out, fan_in = c.args[0]
            assert 30_000 <= fan_out * fan_in <= 45_000, c.label
            assert max(fan_out, fan_in) >= 1.5 * min(fan_out, fan_in), c.label
        hidden = [c.args[0] for c in stats[1:]]
        assert hidden[0][0] > hidden[0][1] and hidden[1][0] < hidden[1][1]   # tall, wide
        assert min(hidden[2]) <= 4                                           # thin
        seen.add(tuple(hidden))
    assert len(seen) == len(STUDENTS)


def test_evidence_of_an_initializer_stays_moderate():
    ns = namespace(AID)
    doc = collect("he_normal", ns["he_normal"], "student-000")
    assert len(json.dumps(doc)) < 2_500_000


# --- numpy's global random state --------------------------------------------------------------
def test_global_state_is_observed_in_the_kernel_and_restored():
    def sneaky(shape, rng):
        return np.random.randn(*shape)

    np.random.seed(7)
    expected_next = np.random.random()
    np.random.seed(7)
    out, unchanged = gi.call_watching_global_state(sneaky, (3, 2), np.random.default_rng(0))
    assert not unchanged and out.shape == (3, 2)
    assert np.random.random() == expected_next      # the student's notebook is not disturbed
    _, unchanged = gi.call_watching_global_state(lambda s, r: r.normal(size=s), (3, 2),
                                                 np.random.default_rng(0))
    assert unchanged


def test_a_function_that_only_reseeds_the_global_state_fails():
    def reseeds(shape, rng):
        np.random.seed(0)
        return rng.normal(0.0, math.sqrt(2.0 / shape[1]), size=shape)

    v = verdict("he_normal", reseeds)
    assert not v.passed and "global random state" in v.message, v.message


def test_evidence_saying_the_global_state_changed_fails_even_with_good_weights():
    ns = namespace(AID)
    doc = collect("xavier_normal", ns["xavier_normal"], "student-001")
    rec = doc["cases"][0]
    rec["output"]["v"]["global_state_unchanged"] = False
    doc = json.loads(json.dumps(doc))
    v = graders.judge_evidence(graders.get("xavier_normal"), "student-001", doc)
    assert not v.passed and "global random state" in v.message


# --- train_with_init ---------------------------------------------------------------------
def test_train_cases_vary_every_argument_and_never_diverge():
    defaults = gi._DEFAULTS
    for student in STUDENTS[:6]:
        cases = _hidden("train_with_init", student)
        for key in ("epochs", "batch_size", "learning_rate", "hidden_sizes"):
            values = [c.kwargs[key] for c in cases]
            assert defaults[key] not in values, (student, key, values)
            assert len(set(values)) > 1, (student, key, values)
        assert len({c.data["init"] for c in cases}) == len(cases)
        assert len({c.args[1] for c in cases}) >= 2
        assert any(int(c.args[3].max()) + 1 == 3 for c in cases)     # a three-class case
        assert any(c.kwargs["batch_size"] == 1 for c in cases)
        for c in cases:
            losses = gi._reference_losses(*c.args, c.data["seed"], **c.kwargs)
            assert np.all(np.isfinite(losses)) and losses.shape == (c.kwargs["epochs"],)


def test_zero_initialization_keeps_the_loss_at_ln2_in_the_visible_case():
    """The visible test's claim: from zeros the reference loss stays at ln 2, from He it falls."""
    zeros, he = None, None
    for c in graders.get("train_with_init").fixed_cases():
        losses = gi._reference_losses(*c.args, c.data["seed"], **c.kwargs)
        if c.data["init"] == "zeros":
            zeros = losses
        else:
            he = losses
    assert np.all(np.abs(zeros - math.log(2)) < 0.02), zeros
    assert he[-1] < 0.5 * math.log(2), he


@pytest.mark.parametrize("ignored, diagnosis", [
    ("learning_rate", "learning rate given is not used"),
    ("batch_size", "batch size given is not used"),
])
def test_an_ignored_argument_fails_for_every_student(ignored, diagnosis):
    call = {"learning_rate": "batch_size=batch_size", "batch_size": "learning_rate=learning_rate"}
    source = f'''def train_with_init(init, hidden, X, t, rng, hidden_sizes=(32,) * 6, epochs=30,
                    batch_size=50, learning_rate=0.2):
    net = nnlib.MLP([X.shape[1], *hidden_sizes, int(t.max()) + 1], hidden=hidden,
                    loss="softmax_ce", init=init, rng=rng)
    return nnlib.fit(net, X, t, epochs=epochs, {call[ignored]}, rng=rng).loss
'''
    fn = define(AID, source, "train_with_init")
    for student in STUDENTS[:3]:
        v = verdict("train_with_init", fn, student)
        assert not v.passed and diagnosis in v.message, v.message


# --- activation_stds ---------------------------------------------------------------------
@pytest.mark.parametrize("body, diagnosis", [
    ("out.append(np.mean(np.std(a, axis=1)))", "per-example"),
    ("out.append(np.std(a)); a = a", None),
])
def test_activation_stds_shortcuts_fail_for_every_student(body, diagnosis):
    if diagnosis is None:   # the missing transpose, named on the square case of every student
        source = '''def activation_stds(X, W, b, h):
    a, out = X, []
    for l in range(1, len(W)):
        a = h(a @ (W[l] if W[l].shape[0] == W[l].shape[1] else W[l].T) + b[l])
        out.append(np.std(a))
    return np.array(out)
'''
        diagnosis = "W[l] not transposed"
    else:
        source = f'''def activation_stds(X, W, b, h):
    a, out = X, []
    for l in range(1, len(W)):
        a = h(a @ W[l].T + b[l])
        {body}
    return np.array(out)
'''
    fn = define(AID, source, "activation_stds")
    for student in STUDENTS:
        v = verdict("activation_stds", fn, student)
        assert not v.passed and diagnosis in v.message, f"{student}: {v.message}"


def test_activation_stds_cases_include_the_stress_cases():
    for student in STUDENTS:
        cases = _hidden("activation_stds", student)
        X_rows = [c.args[0] for c in cases]
        assert any(X.shape[0] == 1 for X in X_rows)
        norms = [np.linalg.norm(X, axis=1) for X in X_rows if X.shape[0] > 1]
        assert any(n.max() > 100 * n.min() for n in norms)                   # rows of other scale
        assert any(all(w.shape[0] == w.shape[1] for w in c.args[1][1:]) for c in cases)
        assert any(min(w.shape[0] for w in c.args[1][1:]) == 1 for c in cases)
        assert {c.data["h"] for c in cases} == {"tanh", "relu", "sigmoid"}


# --- how many diagnoses name the mistake --------------------------------------------------
def test_diagnoses_name_the_mistake_for_nine_in_ten_wrong_answers_of_06():
    named, total, missed = 0, 0, []
    for m in mistakes(AID):
        assert m.diagnosis, f"{m.student}: the mistake has no diagnosis text"
        ns = namespace(AID, {m.cell: m.apply(source_notebook(AID))})
        for ex in graders.exercises(AID):
            if ex.test_cell in m.breaks:
                v = verdict(ex.name, ns[ex.name])
                total += 1
                ok = not v.passed and m.diagnosis.lower() in v.message.lower()
                named += ok
                missed += [] if ok else [f"{m.student} {ex.name}: {v.message[:200]}"]
    for name, source, expected in answers.WRONG:
        v = verdict(name, define(AID, source, name))
        total += 1
        ok = not v.passed and expected.lower() in v.message.lower()
        named += ok
        missed += [] if ok else [f"{name} (expected {expected!r}): {v.message[:200]}"]
    print(f"06: diagnoses naming the mistake: {named}/{total}")
    assert named >= 0.9 * total, "\n".join(missed)
    assert not missed, "\n".join(missed)
