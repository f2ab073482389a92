"""One source of explanations: what each optimizer and each Keras 2.2.4 argument does.

Used for every help tooltip in the app and for the teaching page, so the words stay the same everywhere.
"""

from __future__ import annotations

#: A sentence or two per optimizer, keyed by Keras' lowercase name.
OPTIMIZER_SUMMARIES: dict[str, str] = {
    "sgd": "Stochastic gradient descent: step against the gradient, optionally with momentum "
    "(a running velocity) and Nesterov's variant.",
    "rmsprop": "Divides each coordinate's step by a running root-mean-square of its recent gradients, "
    "so steep and flat directions move at similar speeds.",
    "adagrad": "Divides each coordinate's step by the root of the sum of all its squared gradients so far: "
    "steps shrink over time, fastest where gradients were large.",
    "adadelta": "Like RMSprop, but scales each step by a running RMS of past updates, so it needs no learning "
    "rate in theory; Keras still multiplies by lr (default 1.0).",
    "adam": "Momentum on the gradient (first moment m) divided by the root of a running average of squared "
    "gradients (second moment v), both bias-corrected for their zero start.",
    "adamax": "Adam with the infinity norm: v is replaced by u, a decaying running maximum of |g|.",
    "nadam": "Adam with Nesterov momentum: the step looks ahead using a momentum schedule mu_t that warms up "
    "over time (schedule_decay).",
}

#: One sentence per Keras argument.
ARGUMENT_HELP: dict[str, str] = {
    "lr": "Learning rate: how far each step goes along the (scaled) gradient.",
    "momentum": "Fraction of the previous velocity kept at each step (0 = plain gradient descent); "
    "higher values roll through flat regions and oscillate more.",
    "nesterov": "Nesterov momentum: apply the velocity once more, as a look-ahead (Keras: p + momentum*v - lr*g).",
    "rho": "Decay of the running average of squared gradients (and, for Adadelta, of squared updates); "
    "closer to 1 means a longer memory.",
    "epsilon": "Small constant added to the denominator so it is never zero; larger values damp the adaptive "
    "scaling (Keras default 1e-7).",
    "decay": "Learning-rate decay per update: lr / (1 + decay * iterations), with the counter before the step.",
    "beta_1": "Decay of the first moment (the running mean of gradients): the momentum of Adam-type optimizers.",
    "beta_2": "Decay of the second moment (running mean of squared gradients; Adamax: of the max of |g|).",
    "amsgrad": "AMSGrad: divide by the largest second moment seen so far, so the effective step never grows.",
    "schedule_decay": "How fast Nadam's momentum schedule mu_t warms up towards beta_1 (0.004 in Keras).",
    "clipnorm": "If the gradient's global norm (over all tensors) exceeds this, scale it down to this norm "
    "(0 or empty = off). Applied before clipvalue.",
    "clipvalue": "Clip every gradient element to [-clipvalue, clipvalue] (0 or empty = off).",
}

#: Where Keras 2.2.4 departs from the papers or from later frameworks (from the spec).
KERAS_NOTES: dict[str, list[str]] = {
    "sgd": [
        "Nesterov is written as p + momentum*v_new - lr*g (the gradient is not taken at a look-ahead point).",
        "decay is per update (batch), not per epoch, and uses the counter before the step.",
    ],
    "rmsprop": [
        "epsilon is added outside the square root and uses the new accumulator.",
        "No momentum and no centred variant (tf.keras added both).",
    ],
    "adagrad": [
        "Accumulators start at 0 (tf.keras starts at 0.1), so the first step is about lr * sign(g).",
        "epsilon is added outside the square root.",
    ],
    "adadelta": [
        "The default lr is 1.0 and multiplies the step (the paper has no learning rate; tf.keras uses 0.001).",
        "epsilon sits inside both square roots; the update uses the old delta accumulator, which is "
        "updated afterwards with the lr-free update.",
    ],
    "adam": [
        "Bias correction is folded into the learning rate: lr_t = lr*sqrt(1-beta_2^t)/(1-beta_1^t).",
        "epsilon is added to sqrt(v) after that folding ('epsilon hat'), not to the bias-corrected "
        "sqrt(v_hat) as in the paper's Algorithm 1.",
        "AMSGrad keeps the maximum of the uncorrected v.",
    ],
    "adamax": ["epsilon is added to u, which the paper does not have."],
    "nadam": [
        "No lr decay argument at all; default lr 0.002.",
        "The momentum schedule product m_schedule is carried across steps; 0.96 is rounded to float32.",
        "m and v use the plain beta_1 and beta_2, not mu_t.",
    ],
}


#: Native (torch.optim / tf.keras) argument names that mean what a Keras argument means.
NATIVE_ALIASES = {"learning_rate": "lr", "eps": "epsilon", "beta1": "beta_1", "beta2": "beta_2", "alpha": "rho"}

#: Help for native arguments Keras 2.2.4 does not have.
NATIVE_ARGUMENT_HELP = {
    "weight_decay": "Adds weight_decay·θ to the gradient (L2 penalty) each step; 0 = off.",
    "dampening": "torch SGD: the new gradient enters the velocity scaled by (1 − dampening).",
    "centered": "Divide by the variance of the gradient (second moment minus squared mean) instead of the "
    "second moment.",
    "initial_accumulator_value": "Where the squared-gradient accumulator starts (Keras 2.2.4 starts at 0).",
    "lr_decay": "torch Adagrad: lr / (1 + (t − 1)·lr_decay), like Keras' decay.",
    "momentum_decay": "torch NAdam: the momentum schedule's decay (Keras' schedule_decay).",
}


def argument_help(name: str) -> str:
    """The help sentence for a Keras argument, or a native argument's (empty if unknown)."""
    return ARGUMENT_HELP.get(NATIVE_ALIASES.get(name, name)) or NATIVE_ARGUMENT_HELP.get(name, "")


#: What to watch when stepping through each optimizer on the teaching page (one short paragraph each).
READING_GUIDE: dict[str, str] = {
    "sgd": "Watch the velocity v: with momentum it keeps pointing where the last steps went, so the update "
    "drifts away from −g and builds up speed along a valley; with momentum 0 the update is just −η·g.",
    "rmsprop": "Compare a for the two coordinates: the coordinate with the larger gradients gets the larger a and "
    "so the smaller multiplier η/(√a + ε); both coordinates then move at similar speeds.",
    "adagrad": "a only grows, so each coordinate's multiplier η/(√a + ε) only shrinks. Step 1 moves about η in each "
    "coordinate (sign of g), because a starts at 0.",
    "adadelta": "The step is g scaled by √(d + ε)/√(a + ε): a ratio of two running averages, the past updates over "
    "the past gradients. Early on d ≈ 0, so the first steps are about √ε-sized; d then grows with the updates.",
    "adam": "m follows g with a lag (momentum); v follows g². Early on both are small because they start at 0, and "
    "the bias correction in η_t makes up for that; η_t approaches lr as t grows.",
    "adamax": "u is a decaying maximum of |g|: a single large gradient keeps the steps small for many steps "
    "afterwards; the bias correction only divides by 1 − β₁ᵗ.",
    "nadam": "μ_t warms up slowly towards β₁ (schedule_decay) and Π is the product of all μ so far. The step "
    "mixes the current gradient g' with the look-ahead momentum m'.",
}

#: The rule as the original paper/lecture writes it (source, LaTeX lines), to set beside Keras' own form.
PAPER_RULES: dict[str, tuple[str, list[str]]] = {
    "sgd": (
        "Polyak (1964) momentum; Nesterov momentum as in Sutskever et al. (2013)",
        [
            r"v_t = \mu\, v_{t-1} - \eta\, \nabla f(\theta_{t-1}), \quad \theta_t = \theta_{t-1} + v_t",
            r"\text{Nesterov: } v_t = \mu\, v_{t-1} - \eta\, \nabla f(\theta_{t-1} + \mu\, v_{t-1})"
            r"\quad \text{(gradient at the look-ahead point)}",
        ],
    ),
    "rmsprop": (
        "Tieleman & Hinton (2012), Coursera lecture 6e",
        [
            r"E[g^2]_t = \rho\, E[g^2]_{t-1} + (1 - \rho)\, g_t^2",
            r"\theta_t = \theta_{t-1} - \eta\, \frac{g_t}{\sqrt{E[g^2]_t}}"
            r" \quad \text{(no } \epsilon \text{ in the lecture)}",
        ],
    ),
    "adagrad": (
        "Duchi, Hazan & Singer (2011)",
        [r"G_t = G_{t-1} + g_t^2", r"\theta_t = \theta_{t-1} - \eta\, \frac{g_t}{\delta + \sqrt{G_t}}"],
    ),
    "adadelta": (
        "Zeiler (2012), Algorithm 1",
        [
            r"E[g^2]_t = \rho\, E[g^2]_{t-1} + (1 - \rho)\, g_t^2",
            r"\Delta\theta_t = -\frac{\sqrt{E[\Delta\theta^2]_{t-1} + \epsilon}}{\sqrt{E[g^2]_t + \epsilon}}\, g_t",
            r"E[\Delta\theta^2]_t = \rho\, E[\Delta\theta^2]_{t-1} + (1 - \rho)\, \Delta\theta_t^2",
            r"\theta_t = \theta_{t-1} + \Delta\theta_t \quad \text{(no learning rate)}",
        ],
    ),
    "adam": (
        "Kingma & Ba (2015), Algorithm 1",
        [
            r"m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \quad v_t = \beta_2 v_{t-1} + (1 - \beta_2)\, g_t^2",
            r"\hat m_t = \frac{m_t}{1 - \beta_1^t}, \quad \hat v_t = \frac{v_t}{1 - \beta_2^t}",
            r"\theta_t = \theta_{t-1} - \alpha\, \frac{\hat m_t}{\sqrt{\hat v_t} + \epsilon}",
        ],
    ),
    "adamax": (
        "Kingma & Ba (2015), Algorithm 2",
        [
            r"m_t = \beta_1 m_{t-1} + (1 - \beta_1)\, g_t, \quad u_t = \max(\beta_2\, u_{t-1},\ |g_t|)",
            r"\theta_t = \theta_{t-1} - \frac{\alpha}{1 - \beta_1^t}\, \frac{m_t}{u_t}"
            r" \quad \text{(no } \epsilon \text{)}",
        ],
    ),
    "nadam": (
        "Dozat (2016), Incorporating Nesterov Momentum into Adam",
        [
            r"\hat m_t = \frac{\mu_{t+1}\, m_t}{1 - \prod_{i=1}^{t+1} \mu_i} + \frac{(1 - \mu_t)\, g_t}"
            r"{1 - \prod_{i=1}^{t} \mu_i}, \quad \hat n_t = \frac{\nu\, n_t}{1 - \nu^t}",
            r"\theta_t = \theta_{t-1} - \alpha\, \frac{\hat m_t}{\sqrt{\hat n_t} + \epsilon}",
        ],
    ),
}

#: Every quantity the step inspector records: (LaTeX symbol, meaning). Per-optimizer meanings override these.
QUANTITY_HELP: dict[str, tuple[str, str]] = {
    "x_prev": (r"\theta_{t-1}", "the parameter θ (the point on the map) before the step"),
    "x": (r"\theta_t", "the parameter θ after the step"),
    "loss_prev": (r"f(\theta_{t-1})", "loss before the step"),
    "loss": (r"f(\theta_t)", "loss after the step"),
    "g_raw": (r"g^{\text{raw}}", "gradient at θ_{t-1}, before clipping"),
    "grad_norm": (r"\lVert g^{\text{raw}} \rVert", "global norm of the raw gradient"),
    "norm_factor": (r"s", "clipnorm scale factor (1 = did not fire)"),
    "g_normclip": (r"g^{\text{norm}}", "gradient after clipnorm"),
    "g": (r"g_t", "gradient the optimizer used (after clipping)"),
    "clip_factor": (r"\lVert g_t \rVert / \lVert g^{\text{raw}} \rVert", "clip factor (1 = no clipping)"),
    "update": (r"\Delta\theta", "the step actually taken, θ_t − θ_{t-1}"),
    "step_length": (r"\lVert \Delta\theta \rVert", "length of the step"),
    "iterations": (r"t-1", "Keras' iterations counter before the step"),
    "t": (r"t", "step number t = iterations + 1"),
    "lr_eff": (r"\eta", "learning rate after decay: lr / (1 + decay * iterations)"),
    "lr": (r"\text{lr}", "the lr variable during the step, as the lane's lr schedule or plateau rule set it"),
    "epoch": (r"k", "the epoch the lr callbacks saw (one step is one epoch: step t is epoch t - 1)"),
    "effective_lr": (r"|\Delta\theta| / |g_t|", "effective step size per coordinate: step per unit of gradient"),
    "step_multiplier": (r"\eta_{\text{coord}}", "the optimizer's own per-coordinate multiplier"),
    "v": (r"v_t", "second moment: running average of g^2"),
    "v_prev": (r"v_{t-1}", "second moment before the step"),
    "m": (r"m_t", "first moment: running average of g"),
    "m_prev": (r"m_{t-1}", "first moment before the step"),
    "vhat": (r"\hat v_t", "AMSGrad: largest v so far"),
    "vhat_prev": (r"\hat v_{t-1}", "AMSGrad: largest v before the step"),
    "a": (r"a_t", "accumulator of squared gradients"),
    "a_prev": (r"a_{t-1}", "accumulator before the step"),
    "d": (r"d_t", "Adadelta: running average of squared (lr-free) updates"),
    "d_prev": (r"d_{t-1}", "Adadelta: update average before the step"),
    "u": (r"u_t", "Adamax: decayed running max of |g|"),
    "u_prev": (r"u_{t-1}", "Adamax: running max before the step"),
    "bias_correction": (r"\frac{\sqrt{1-\beta_2^t}}{1-\beta_1^t}", "Adam's bias correction, folded into lr"),
    "lr_t": (r"\eta_t", "bias-corrected learning rate"),
    "mu_t": (r"\mu_t", "Nadam: momentum schedule at t"),
    "mu_next": (r"\mu_{t+1}", "Nadam: momentum schedule at t+1"),
    "schedule_prev": (r"\Pi_{t-1}", "Nadam: m_schedule before the step (product of all mu so far)"),
    "schedule": (r"\Pi_t", "Nadam: m_schedule after the step"),
    "schedule_next": (r"\Pi_{t+1}", "Nadam: m_schedule * mu_{t+1}, used to correct m"),
    "g_prime": (r"g'_t", "Nadam: bias-corrected gradient g / (1 - Pi_t)"),
    "m_prime": (r"m'_t", "Nadam: bias-corrected first moment m / (1 - Pi_{t+1})"),
    "v_prime": (r"v'_t", "Nadam: bias-corrected second moment v / (1 - beta_2^t)"),
    "m_bar": (r"\bar m_t", "Nadam: the Nesterov mix of g' and m'"),
}

#: Where a quantity means something else for one optimizer.
OPTIMIZER_QUANTITY_HELP: dict[str, dict[str, tuple[str, str]]] = {
    "sgd": {
        "v": (r"v_t", "velocity (Keras' moment): momentum * v - lr * g"),
        "v_prev": (r"v_{t-1}", "velocity before the step"),
    },
    "adadelta": {"u": (r"u_t", "Adadelta: the update before lr, g * sqrt(d + eps) / sqrt(a + eps)")},
}
