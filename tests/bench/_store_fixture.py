"""A tiny hand-made results store with hand-computed metrics (used by several tests)."""

from __future__ import annotations

import math

from qopt.bench.store import insert_run, open_store


def _row(key, **kw):
    base = {"run_key": key, "sweep": "hand", "instance": "toy", "instance_key": "catalogue:toy", "family": "mdkp",
            "sense": "max", "n_variables": 4, "solver": "sa", "solver_label": "sa", "options": {}, "seed": 0,
            "status": "ok", "known_optimum": 100.0, "qubits": None, "wall_s": 0.1,
            "result": {"solution": [1, 0, 1, 0], "info": {}}}
    base.update(kw)
    return base


ROWS = [
    # mdkp / sa, f* = 100 (max)
    _row("r1", seed=0, objective=100.0, feasible=True, gap=0.0, time_s=2.0,
         samples={"objective": [100.0, 90.0], "num_occurrences": [3, 1], "is_feasible": [True, True]}),
    _row("r2", seed=1, objective=90.0, feasible=True, gap=0.1, time_s=4.0,
         samples={"objective": [90.0, 80.0], "num_occurrences": [2, 2], "is_feasible": [True, True]}),
    _row("r3", seed=2, objective=120.0, feasible=False, gap=None, time_s=3.0,
         samples={"objective": [120.0], "num_occurrences": [1], "is_feasible": [False]}),
    _row("r4", seed=3, status="failed", error="ValueError: boom", objective=None, feasible=None, result=None),
    _row("r5", seed=4, objective=70.0, feasible=True, gap=0.3, time_s=1.0, samples=None),
    # mis / exact, f* = 4, one proven-optimal run without samples
    _row("r6", family="mis", solver="exact", solver_label="exact", instance="g", objective=4.0, feasible=True,
         gap=0.0, known_optimum=4.0, time_s=0.5, samples=None,
         result={"solution": [1, 0, 1], "info": {"proven_optimal": True, "energy_trace": [3.0, 2.0, 1.0]}}),
]

# hand-computed aggregates of the mdkp/sa group
SA = {
    "runs": 5, "failed": 1,
    "feasibility_rate": 3 / 5,                       # r1, r2, r5 feasible; r3 infeasible; r4 failed
    "mean_gap": (0.0 + 0.1 + 0.3) / 3,
    "median_gap": 0.1,
    "approx_ratio": (1.0 + 0.9 + 0.7) / 3,
    "p_opt": (3 / 4 + 0 + 0 + 0) / 4,                # r1: 3 of 4 samples optimal; r5: no samples, not optimal
    "success_rate": 1 / 5,
    "time_s": (2.0 + 4.0 + 3.0 + 1.0) / 4,
}
SA["tts99_s"] = SA["time_s"] * math.log(0.01) / math.log(1 - SA["p_opt"])
SA["tts99_success_s"] = SA["time_s"] * math.log(0.01) / math.log(1 - SA["success_rate"])


def make_store(path) -> str:
    conn = open_store(path)
    for row in ROWS:
        insert_run(conn, row)
    conn.close()
    return str(path)
