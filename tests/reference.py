"""An independent, loop-based Keras 2.2.4 reference written straight from the spec, one run at a time.

Plain Python floats, one parameter element at a time: slow and obvious, so the vectorised core can be
checked against it. Shares no code with ``optviz``.
"""

from __future__ import annotations

import math

EPSILON = 1e-7


def _clip(grads: list[list[float]], clipnorm: float | None, clipvalue: float | None) -> list[list[float]]:
    if clipnorm is not None and clipnorm > 0:
        norm = math.sqrt(sum(g * g for tensor in grads for g in tensor))
        if norm >= clipnorm and norm > 0:
            grads = [[g * clipnorm / norm for g in tensor] for tensor in grads]
    if clipvalue is not None and clipvalue > 0:
        grads = [[min(max(g, -clipvalue), clipvalue) for g in tensor] for tensor in grads]
    return grads


class Reference:
    """``step(params, grads)`` updates ``params`` (list of lists of floats) in place, Keras 2.2.4 style."""

    def __init__(self, name: str, **config):
        self.name = name.lower()
        defaults = {
            "sgd": dict(lr=0.01, momentum=0.0, decay=0.0, nesterov=False),
            "rmsprop": dict(lr=0.001, rho=0.9, epsilon=None, decay=0.0),
            "adagrad": dict(lr=0.01, epsilon=None, decay=0.0),
            "adadelta": dict(lr=1.0, rho=0.95, epsilon=None, decay=0.0),
            "adam": dict(lr=0.001, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0, amsgrad=False),
            "adamax": dict(lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, decay=0.0),
            "nadam": dict(lr=0.002, beta_1=0.9, beta_2=0.999, epsilon=None, schedule_decay=0.004),
        }[self.name]
        self.clipnorm = config.pop("clipnorm", None)
        self.clipvalue = config.pop("clipvalue", None)
        unknown = set(config) - set(defaults)
        if unknown:
            raise TypeError(f"unexpected {unknown}")
        self.c = {**defaults, **config}
        if "epsilon" in self.c and self.c["epsilon"] is None:
            self.c["epsilon"] = EPSILON
        self.iterations = 0
        self.slots: dict[str, list[list[float]]] = {}
        self.m_schedule = 1.0

    def _slot(self, key: str, params: list[list[float]]) -> list[list[float]]:
        if key not in self.slots:
            self.slots[key] = [[0.0] * len(t) for t in params]
        return self.slots[key]

    def step(self, params: list[list[float]], grads: list[list[float]]) -> None:
        c = self.c
        grads = _clip(grads, self.clipnorm, self.clipvalue)
        it = self.iterations
        t = it + 1
        lr = c["lr"]
        if c.get("decay", 0.0) > 0:
            lr = lr * (1.0 / (1.0 + c["decay"] * it))
        if self.name == "nadam":
            mu_t = c["beta_1"] * (1.0 - 0.5 * (0.9599999785423279 ** (t * c["schedule_decay"])))
            mu_t1 = c["beta_1"] * (1.0 - 0.5 * (0.9599999785423279 ** ((t + 1) * c["schedule_decay"])))
            ms_new = self.m_schedule * mu_t
            ms_next = self.m_schedule * mu_t * mu_t1
            self.m_schedule = ms_new
        for i, (p, g) in enumerate(zip(params, grads, strict=False)):
            for j in range(len(p)):
                gj = g[j]
                if self.name == "sgd":
                    v = self._slot("v", params)
                    v[i][j] = c["momentum"] * v[i][j] - lr * gj
                    if c["nesterov"]:
                        p[j] = p[j] + c["momentum"] * v[i][j] - lr * gj
                    else:
                        p[j] = p[j] + v[i][j]
                elif self.name == "rmsprop":
                    a = self._slot("a", params)
                    a[i][j] = c["rho"] * a[i][j] + (1.0 - c["rho"]) * gj * gj
                    p[j] = p[j] - lr * gj / (math.sqrt(a[i][j]) + c["epsilon"])
                elif self.name == "adagrad":
                    a = self._slot("a", params)
                    a[i][j] = a[i][j] + gj * gj
                    p[j] = p[j] - lr * gj / (math.sqrt(a[i][j]) + c["epsilon"])
                elif self.name == "adadelta":
                    a, d = self._slot("a", params), self._slot("d", params)
                    a[i][j] = c["rho"] * a[i][j] + (1.0 - c["rho"]) * gj * gj
                    update = gj * math.sqrt(d[i][j] + c["epsilon"]) / math.sqrt(a[i][j] + c["epsilon"])
                    p[j] = p[j] - lr * update
                    d[i][j] = c["rho"] * d[i][j] + (1.0 - c["rho"]) * update * update
                elif self.name == "adam":
                    m, v, vh = self._slot("m", params), self._slot("v", params), self._slot("vhat", params)
                    lr_t = lr * (math.sqrt(1.0 - c["beta_2"] ** t) / (1.0 - c["beta_1"] ** t))
                    m[i][j] = c["beta_1"] * m[i][j] + (1.0 - c["beta_1"]) * gj
                    v[i][j] = c["beta_2"] * v[i][j] + (1.0 - c["beta_2"]) * gj * gj
                    if c["amsgrad"]:
                        vh[i][j] = max(vh[i][j], v[i][j])
                        p[j] = p[j] - lr_t * m[i][j] / (math.sqrt(vh[i][j]) + c["epsilon"])
                    else:
                        p[j] = p[j] - lr_t * m[i][j] / (math.sqrt(v[i][j]) + c["epsilon"])
                elif self.name == "adamax":
                    m, u = self._slot("m", params), self._slot("u", params)
                    lr_t = lr / (1.0 - c["beta_1"] ** t)
                    m[i][j] = c["beta_1"] * m[i][j] + (1.0 - c["beta_1"]) * gj
                    u[i][j] = max(c["beta_2"] * u[i][j], abs(gj))
                    p[j] = p[j] - lr_t * m[i][j] / (u[i][j] + c["epsilon"])
                else:  # nadam
                    m, v = self._slot("m", params), self._slot("v", params)
                    g_prime = gj / (1.0 - ms_new)
                    m[i][j] = c["beta_1"] * m[i][j] + (1.0 - c["beta_1"]) * gj
                    m_prime = m[i][j] / (1.0 - ms_next)
                    v[i][j] = c["beta_2"] * v[i][j] + (1.0 - c["beta_2"]) * gj * gj
                    v_prime = v[i][j] / (1.0 - c["beta_2"] ** t)
                    m_bar = (1.0 - mu_t) * g_prime + mu_t1 * m_prime
                    p[j] = p[j] - c["lr"] * m_bar / (math.sqrt(v_prime) + c["epsilon"])
        self.iterations += 1
