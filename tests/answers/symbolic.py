"""Answers to the "show that" exercises (05's section 7, 06's second moment, 08's decayed bias)
in other forms.

RIGHT: formulas equal to the expected one, written differently (strings are accepted too).
WRONG: (exercise, source, text the diagnosis must contain).
"""

RIGHT = {
    "tanh_prime_from_z": [
        '''def tanh_prime_from_z():
    return (1 - z) * (1 + z)
''',
        '''def tanh_prime_from_z():
    return "1 - z^2"
''',
    ],
    "logistic_delta": [
        # sigma(-u) = 1 / (1 + e^u)
        '''def logistic_delta():
    return -t / (1 + sp.exp(t * z))
''',
        # as a string, t (sigma(t z) - 1)
        '''def logistic_delta():
    return "t*(sigmoid(t*z) - 1)"
''',
        # equal only for t in {-1, +1}: sigma(z) - (1 + t) / 2, the 0/1 target (1 + t) / 2
        '''def logistic_delta():
    return sigmoid(z) - (1 + t) / 2
''',
    ],
    "softmax_ce_delta_formula": [
        # the two parts of the derivation, not yet collected
        '''def softmax_ce_delta_formula():
    return -t * (1 - y) + (S - t) * y
''',
        '''def softmax_ce_delta_formula():
    return "y*S - t"
''',
    ],
    "decayed_bias": [
        '''def decayed_bias():
    return tbar - lam * tbar / (1 + lam)
''',
        '''def decayed_bias():
    return "1/(1/tbar + lam/tbar)"
''',
    ],
    "relu_second_moment": [
        '''def relu_second_moment():
    return sp.Rational(1, 2) * d * s * s
''',
        '''def relu_second_moment():
    return "0.5*d*s**2"
''',
    ],
}

WRONG = [
    ("tanh_prime_from_z", '''def tanh_prime_from_z():
    return 1 - sp.tanh(z)**2
''', "not right"),
    ("tanh_prime_from_z", '''def tanh_prime_from_z():
    return "1 - a**2"
''', "unknown name 'a'"),
    ("tanh_prime_from_z", '''def tanh_prime_from_z():
    return "__import__('os').system('true')"
''', "unknown function '__import__'"),
    ("logistic_delta", '''def logistic_delta():
    return -t * sigmoid(t * z)
''', "sigma(t z)"),
    ("logistic_delta", '''def logistic_delta():
    return "t.__class__"
''', "found Attribute"),
    ("logistic_delta", '''def logistic_delta():
    return "9**9**9**9"
''', "too large"),
    ("relu_second_moment", '''def relu_second_moment():
    return d * s**2 / 4
''', "not a quarter"),
    ("relu_second_moment", '''def relu_second_moment():
    return None
''', "not right"),
    ("softmax_ce_delta_formula", '''def softmax_ce_delta_formula():
    return y * (1 - y) * (S - t)
''', "not right"),
    ("softmax_ce_delta_formula", '''def softmax_ce_delta_formula():
    return "y[0] - t"
''', "found Subscript"),
    ("decayed_bias", '''def decayed_bias():
    return tbar - lam
''', "not subtracted"),
    ("decayed_bias", '''def decayed_bias():
    return "b"
''', "unknown name 'b'"),
    ("softmax_ce_delta_formula", '''def softmax_ce_delta_formula():
    return S * y + t
''', "not right"),
    ("decayed_bias", '''def decayed_bias():
    return tbar / (1 + lam)**2
''', "not right"),
]
