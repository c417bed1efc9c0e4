"""Generate notebooks 03-05 (graph shrinking, error mitigation, QCAE denoising) from the cell sources below.

Same pattern as ``notebooks/_build.py`` (which writes 01 and 02): run
``.venv/bin/python notebooks/_build_more.py`` after editing; the ``.ipynb`` files are written
without outputs. CI executes them small with ``.venv/bin/python -m pytest --nbmake notebooks/``;
``QOPT_NB_SIZE=full`` runs them at full size.
"""

from __future__ import annotations

from pathlib import Path

from nbformat.v4 import new_code_cell, new_markdown_cell

from _build import write  # one writer for every notebook (run as a script from notebooks/)

HERE = Path(__file__).resolve().parent

SIZE_CELL = '''import os
SIZE = os.environ.get("QOPT_NB_SIZE", "small")  # "small" (CI, seconds) or "full"
assert SIZE in ("small", "full"), f"QOPT_NB_SIZE must be small or full, got {SIZE!r}"
print("size:", SIZE)'''

ROOT_CELL = '''from pathlib import Path

ROOT = Path.cwd().resolve()
while not (ROOT / "hardware_configs").is_dir() and ROOT != ROOT.parent:
    ROOT = ROOT.parent'''

SHRINKING = [
    new_markdown_cell("""# Graph shrinking: fit a constrained problem into a qubit budget

`qopt.shrink` merges strongly correlated variables (`x_j := x_i`, `x_j := 1 - x_i`, or fixes
`x_j`) until the problem's penalised BQM, slack bits included, fits a qubit budget. Merges that
would make a constraint unsatisfiable are vetoed. Solutions of the shrunk problem are expanded
back, checked against every original constraint, repaired and locally improved
(Sharma & Lau, arXiv:2506.14250; Fischer et al., arXiv:2404.17242).

This notebook shrinks a bundled multidimensional knapsack (MDKP) and a maximum independent set
(MIS) instance with the **static** mode (correlations estimated once) and the **adaptive** mode
(re-estimated on the shrunk problem). It shows the merge list and the qubits before and after,
then solves the shrunk problems with QAOA (exact simulator, p = 2) and simulated annealing (SA).
It reports feasibility before and after repair and the gap to the known optimum.

`QOPT_NB_SIZE=small` (default) uses `mknap1-3` (15 items, 5 constraints) and the 17-vertex
`mammalia-kangaroo-interactions` graph, with a 10-qubit budget. `QOPT_NB_SIZE=full` uses `weish06`
(40 items) and `karate` (34 vertices) with a 20-qubit budget."""),
    new_code_cell(SIZE_CELL),
    new_code_cell('''import time
import warnings

import numpy as np
import qopt
from qopt.errors import PenaltyWarning
from qopt.shrink import count_problem_qubits, shrink, shrink_and_solve

warnings.simplefilter("ignore", PenaltyWarning)
if SIZE == "small":
    INSTANCES, BUDGET, QAOA_OPTS = ["mknap1-3", "mammalia-kangaroo-interactions"], 10, {"layers": 2, "maxiter": 60}
else:
    INSTANCES, BUDGET, QAOA_OPTS = ["weish06", "karate"], 20, {"layers": 2, "maxiter": 100}
SEED = 7
problems = {name: qopt.load(name) for name in INSTANCES}
for name, p in problems.items():
    print(f"{name:32s} {p.family:5s} {p.num_variables:3d} variables, known optimum {p.known_optimum}, qubits: "
          f"{count_problem_qubits(p, slack='binary')} (binary slack), "
          f"{count_problem_qubits(p, slack='unbalanced')} (unbalanced penalty, QAOA's default)")'''),
    new_markdown_cell("""## Shrinking and the merge list

QAOA encodes the inequalities with the unbalanced penalty (no slack qubits), so
the budget is counted the same way (`slack="unbalanced"`). Each merge records its kind (`pair` or
`fix`), its target and source variables, its sign (+1: equal, -1: opposite), the fixed value,
the correlation that chose it, and the correlation round it came from. Adaptive mode starts a new
round when the correlations go stale."""),
    new_code_cell('''shrunk = {}
for name, p in problems.items():
    for mode in ("static", "adaptive"):
        t0 = time.perf_counter()
        s, merges = shrink(p, BUDGET, mode=mode, seed=SEED, slack="unbalanced")
        shrunk[name, mode] = s
        print(f"{name} [{mode}]: {s.qubits_before} -> {s.qubits} qubits, {p.num_variables} -> {s.num_variables} "
              f"variables, {len(merges)} merges, {s.rounds} correlation round(s), {time.perf_counter() - t0:.2f} s")
        assert s.qubits <= BUDGET

for name in INSTANCES:
    print(f"\\nmerge list of {name} [adaptive]:")
    print(f"{'#':>3s} {'kind':5s} {'target':>6s} {'source':>6s} {'sign':>4s} {'value':>5s} {'corr':>6s} {'round':>5s}")
    for k, m in enumerate(shrunk[name, "adaptive"].merges):
        d = m.to_dict()
        print(f"{k:3d} {d['kind']:5s} {d['target']:6d} {str(d['source']):>6s} {d['sign']:4d} {str(d['value']):>5s} "
              f"{d['correlation']:6.3f} {d['round']:5d}")'''),
    new_markdown_cell("""The shrunk problem is an ordinary `qopt` problem. Its CQM is the original one with the merges
substituted, and `expand` maps a shrunk assignment back to the original variables. Its
objective equals the original objective of the expanded assignment:"""),
    new_code_cell('''rng = np.random.default_rng(0)
for (name, mode), s in shrunk.items():
    y = rng.integers(0, 2, s.num_variables)
    x = s.expand(y)
    assert np.isclose(s.evaluate(y), problems[name].evaluate(x))
    assert np.isclose(s.cqm().objective.energy(dict(enumerate(y))), problems[name].cqm().objective.energy(dict(enumerate(x))))
print("shrunk objective == original objective at expand(y): ok")'''),
    new_markdown_cell("""## Solve: QAOA and SA on the shrunk problems

`shrink_and_solve` does the whole pipeline: shrink, solve, expand every distinct solution,
verify it against the original constraints, repair it and run a local search. The result is in
the original problem's terms. `qubits` is the shrunk count, and `info` records the merges and
whether the returned solution was feasible **before** repair. As a baseline, SA also runs on the
full problem without shrinking. The two solvers count qubits differently. QAOA's default
encoding has no slack bits (unbalanced penalty). SA's has binary slack bits, so its "before"
count is larger and its budget leaves fewer free variables."""),
    new_code_cell('''rows = []
for name, p in problems.items():
    t0 = time.perf_counter()
    base = qopt.solve(p, "sa", seed=SEED)
    full = count_problem_qubits(p, slack="binary")  # SA's BQM (binary slack) had this many variables
    rows.append({"instance": name, "mode": "none", "solver": "sa", "qubits_before": full, "qubits_after": full, "feasible_before_repair": None, "feasible": base.feasible,
                 "objective": base.objective, "gap": base.gap, "time_s": time.perf_counter() - t0})
    for mode in ("static", "adaptive"):
        for solver, opts in (("qaoa", {"device": "exact", **QAOA_OPTS}), ("sa", {})):
            t0 = time.perf_counter()
            r = shrink_and_solve(p, solver=solver, mode=mode, max_qubits=BUDGET, seed=SEED, **opts)
            rows.append({"instance": name, "mode": mode, "solver": solver, "qubits_before": r.info["qubits_before"],
                         "qubits_after": r.qubits, "feasible_before_repair": r.info.get("feasible_before_repair"),
                         "feasible": r.feasible, "objective": r.objective, "gap": r.gap,
                         "time_s": time.perf_counter() - t0})
            assert r.qubits <= BUDGET and r.feasible  # repair guarantees feasibility in the original problem

print(f"{'instance':32s} {'mode':8s} {'solver':6s} {'qubits':>9s} {'feas.raw':>8s} {'feas.':>5s} "
      f"{'objective':>10s} {'gap %':>6s} {'time s':>6s}")
for r in rows:
    raw = "-" if r["feasible_before_repair"] is None else str(r["feasible_before_repair"])
    gap = "n/a" if r["gap"] is None else f"{100 * r['gap']:.1f}"
    qb, qa = ("-" if v is None else str(v) for v in (r["qubits_before"], r["qubits_after"]))
    print(f"{r['instance']:32s} {r['mode']:8s} {r['solver']:6s} {qb:>4s} -> {qa:<2s} "
          f"{raw:>8s} {str(r['feasible']):>5s} {r['objective']:10.1f} {gap:>6s} {r['time_s']:6.1f}")'''),
    new_markdown_cell("""`feas.raw` says whether the expanded solution satisfied every original constraint before
repair. The vetoes keep every merge satisfiable, but a solver's raw sample can still violate a
constraint (the penalty is soft). Repair then restores feasibility at the cost of some objective.

## Plot: qubits and gap per configuration"""),
    new_code_cell('''import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from IPython.display import Image, display

fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
labels = [f"{r['instance'][:12]}\\n{r['mode']}+{r['solver']}" for r in rows]
xpos = np.arange(len(rows))
axes[0].bar(xpos - 0.2, [r["qubits_before"] or 0 for r in rows], 0.4, label="before", color="#bbbbbb")
axes[0].bar(xpos + 0.2, [r["qubits_after"] or 0 for r in rows], 0.4, label="after", color="#3366aa")
axes[0].axhline(BUDGET, color="k", ls="--", lw=1, label=f"budget {BUDGET}")
axes[0].set_ylabel("qubits")
axes[0].set_title("qubits before / after shrinking")
axes[1].bar(xpos, [100 * (r["gap"] or 0.0) for r in rows],
            color=["#999999" if r["mode"] == "none" else ("#cc6633" if r["solver"] == "qaoa" else "#339966") for r in rows])
axes[1].set_ylabel("gap to known optimum (%)")
axes[1].set_title("solution quality (after repair)")
for ax in axes:
    ax.set_xticks(xpos)
    ax.set_xticklabels(labels, rotation=60, ha="right", fontsize=7)
axes[0].legend(fontsize=8)
fig.tight_layout()
png = Path(tempfile.mkdtemp(prefix="qopt-shrink-")) / "shrinking.png"
fig.savefig(png, dpi=90)
plt.close(fig)
display(Image(filename=str(png)))'''),
]

MITIGATION = [
    new_markdown_cell("""# Error mitigation on the IBM fake backend

qopt runs QAOA and VQE on IBM hardware through qiskit-ibm-runtime primitives. The device
`ibm_fake` (`hardware_configs/ibm_fake.yaml`) takes the same code path **offline**: it uses
qiskit-ibm-runtime's local testing mode with the 5-qubit fake backend FakeManilaV2 and its noise
model. Circuits are transpiled once to the backend's ISA (basis gates, coupling map, layout).
Each evaluation is one SamplerV2 job, and the job ids are recorded.

Part 1 evaluates the QAOA p = 1 cost expectation of a small MaxCut instance seven ways: ideal
(state vector), noisy, ZNE (Mitiq global folding, Richardson at scale factors 1, 3, 5), readout
mitigation (REM, tensored confusion inversion), ZNE + REM, Clifford data regression (CDR) and
probabilistic error cancellation on readout-corrected values (PEC + REM). It also shows what each
costs in circuit executions. Part 2 solves a problem end to end with `qopt.solve(..., device="ibm_fake",
mitigation=...)`.

`QOPT_NB_SIZE=small` (default): the 4-ring, 4000 shots per circuit, a few optimiser iterations.
`QOPT_NB_SIZE=full`: a 5-vertex graph, 16000 shots, more iterations."""),
    new_code_cell(SIZE_CELL),
    new_code_cell(ROOT_CELL + '''
import networkx as nx
import numpy as np
import qopt
from qopt.devices import load_device
from qopt.problems import MaxCut

device = load_device(ROOT / "hardware_configs" / "ibm_fake.yaml")
if SIZE == "small":
    graph, SHOTS, MAXITER = nx.cycle_graph(4), 4000, 8
    problem = MaxCut(graph, name="ring4", known_optimum=4)
else:
    graph, SHOTS, MAXITER = nx.Graph([(0, 1), (1, 2), (2, 3), (3, 4), (4, 0), (0, 2)]), 16000, 30
    problem = MaxCut(graph, name="house5", known_optimum=5)
device = device.replace(shots=SHOTS)
print(f"device {device.name}: kind {device.kind}, backend {device.backend}, {device.shots} shots, "
      f"max {device.max_qubits} qubits; problem {problem.name} ({problem.num_variables} vertices)")'''),
    new_markdown_cell("""## Part 1: one cost expectation, seven ways

`QiskitRunner` is what the QAOA solver uses on Qiskit devices; `mitigate` wraps it in a
mitigation setting, the way Mitiq wraps an executor. Both are built here directly so
that one fixed angle pair can be evaluated under each mitigation setting. The angles are the
ideal p = 1 optimum, found on a Qiskit state vector. `<C>` is in BQM units (for MaxCut: minus
the cut size)."""),
    new_code_cell('''from qiskit.quantum_info import Statevector

from qopt.devices.qiskit_runner import QiskitRunner
from qopt.mitigation.runner import mitigate
from qopt.optimize import minimize
from qopt.qubo.ising import ising_terms
from qopt.solvers._variational import prepare
from qopt.devices.circuits import qaoa_gates, to_qiskit

prep = prepare(problem, device)
h, J, _ = ising_terms(prep.bqm, prep.variables)
h, J = h / prep.scale, {k: v / prep.scale for k, v in J.items()}
n = prep.num_qubits
idx = np.arange(1 << n)
bits = ((idx[:, None] >> np.arange(n)[None, :]) & 1).astype(np.int8)  # Qiskit order: qubit q = bit q
E = prep.bqm.energies((bits, prep.variables))


def build(x):
    return qaoa_gates(h, J, x[:1], x[1:])


def ideal_value(x):
    return float(Statevector(to_qiskit(build(x), n)).probabilities() @ E)


x_opt = np.asarray(minimize(ideal_value, np.array([0.375, -0.375]), optimizer="cobyla", maxiter=200, seed=0).x)
ideal = ideal_value(x_opt)
print(f"angles gamma={x_opt[0]:.3f} beta={x_opt[1]:.3f}; ideal <C> = {ideal:.4f} (optimum {E.min():g})")'''),
    new_code_cell('''METHODS = {
    "noisy": None,
    "zne": {"zne": {"scale_factors": [1, 3, 5], "factory": "richardson", "folding": "global"}},
    "readout": {"readout": True},
    "zne+readout": {"zne": {"scale_factors": [1, 3, 5], "factory": "richardson", "folding": "global"},
                    "readout": True},
    "cdr": {"cdr": {"num_training_circuits": 10}},
    "pec+readout": {"pec": {"num_samples": 100 if SIZE == "small" else 400}, "readout": True},
}
table = {}
for method, spec in METHODS.items():
    runner = mitigate(QiskitRunner(prep, build, shots=SHOTS, seed=7), spec)
    value = runner.value(x_opt) * prep.scale
    info = runner.info()
    table[method] = {"value": value, "abs_error": abs(value - ideal), "executions": runner.executions,
                     "shots": runner.executions * SHOTS, "jobs": info["jobs"], "by": info["executions_by_purpose"]}
    runner.close()

print(f"backend {info['backend']} ({info['runtime_mode']}), physical qubits {info['physical_qubits']}, "
      f"ISA ops {info['isa_ops']}")
print(f"{'method':12s} {'<C>':>8s} {'|error|':>8s} {'circuits':>8s} {'shots':>7s} {'jobs':>4s}")
print(f"{'ideal':12s} {ideal:8.4f} {0:8.4f} {'-':>8s} {'-':>7s} {'-':>4s}")
for method, row in table.items():
    print(f"{method:12s} {row['value']:8.4f} {row['abs_error']:8.4f} {row['executions']:8d} {row['shots']:7d} {row['jobs']:4d}")
assert table["noisy"]["abs_error"] > 0.02          # the fake backend's noise is visible
assert table["readout"]["abs_error"] < table["noisy"]["abs_error"]'''),
    new_markdown_cell("""Every evaluation is **one** job. ZNE puts the circuit folded at scale factors 1, 3 and 5 in
that job (3 circuits), and readout mitigation adds the all-|0> and all-|1> calibration circuits
(2 more). Folding multiplies gate noise only. On these small, shallow circuits a large part of the
error comes from the readout, which ZNE alone cannot remove; readout correction before
extrapolation can. CDR runs the circuit and 10 near-Clifford training circuits (whose ideal values
are simulated classically) and fits the noise map. PEC runs circuits sampled from a quasi-probability
representation of each noisy gate (built from the backend's reported gate errors); its one-norm
gamma sets the price, gamma squared times the shots for the same precision. The README's
mitigation section has the measured benchmark on FakeTorino (`benchmarks/mitigation.py`)."""),
    new_code_cell('''import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

import tempfile

from IPython.display import Image, display

fig, axes = plt.subplots(1, 2, figsize=(10, 3.5))
axes[0].bar(list(table), [table[m]["abs_error"] for m in table],
            color=["#cc3333", "#3366aa", "#33aa66", "#aa66cc", "#cc9933", "#339999"])
axes[0].axhline(0.5 * table["noisy"]["abs_error"], color="k", ls="--", lw=1, label="half the unmitigated error")
axes[0].set_ylabel("|<C> - ideal| (BQM units)")
axes[0].set_title(f"QAOA p=1 on {info['backend']}, {SHOTS} shots/circuit")
axes[0].legend(fontsize=8)
axes[1].bar(list(table), [table[m]["executions"] for m in table], color="#888888")
axes[1].set_ylabel("circuit executions per evaluation")
axes[1].set_title("cost")
for ax in axes:
    ax.tick_params(axis="x", rotation=20)
fig.tight_layout()
png = Path(tempfile.mkdtemp(prefix="qopt-mitigation-")) / "mitigation.png"
fig.savefig(png, dpi=90)
plt.close(fig)
display(Image(filename=str(png)))'''),
    new_markdown_cell("""## Part 2: end to end with `qopt.solve`

The `mitigation` option (the CLI's `--mitigation zne,readout`) overrides the device file's
`mitigation:` block. The optimiser (COBYLA, from `ibm_fake.yaml`) sees the mitigated cost,
and the final energy estimate is mitigated too. `info` records the backend, the runtime mode,
one job id per evaluation, and the executions per purpose. The final samples are unmitigated
shots, decoded, repaired and locally searched as for every solver.

The same call with `device="ibm"` runs on a real IBM backend; it needs `QISKIT_IBM_TOKEN`
and `yes=True` above the cost threshold."""),
    new_code_cell('''result = qopt.solve(problem, "qaoa", device=device, layers=1, mitigation="zne,readout", maxiter=MAXITER,
                    seed=3, progress=False)
info = result.info
print(f"objective {result.objective:g} (known optimum {problem.known_optimum}), feasible {result.feasible}, "
      f"qubits {result.qubits}, {result.time_s:.1f} s")
print("backend:", info["backend"], "|", info["runtime_mode"], "|", info["execution_mode"])
print("jobs:", info["jobs"], "| executions by purpose:", info["executions_by_purpose"])
print("mitigation:", info["mitigation"])
print("first job ids:", info["job_ids"][:3], "...")
print("final mitigated <C>:", info.get("final_expectation"))
assert result.feasible and len(info["job_ids"]) == info["jobs"] > 0'''),
    new_code_cell('''d = result.to_dict()
{k: d[k] for k in ("instance", "solver", "objective", "feasible", "gap", "qubits", "time_s")}'''),
]

QCAE = [
    new_markdown_cell("""# QCAE: image denoising with a quantum latent layer

`qopt.qcae` is a convolutional autoencoder whose bottleneck is a small parametrised quantum
circuit (the QCAE). The convolutional encoder output is angle-encoded; the circuit (QAOA-like:
IsingZZ + RZ cost, RX mixer on a ring) returns `<Z_i>` as the latent features, and the decoder
reconstructs the clean image. The **classical twin** has the same encoder and decoder with a
classical bottleneck of about the same size. Both are trained on the same data, with the same
seed and budget (MSE to the clean image, Adam), and scored on held-out noisy test images with
SSIM and PSNR.

The test images carry Gaussian noise with sigma = 0.5 (pixel values in [0, 1]).
`QOPT_NB_SIZE=small` (default) uses scikit-learn's embedded 8x8 `digits`: 1797 images in a seeded
60/20/20 split, 12 epochs, about 10-30 s. `QOPT_NB_SIZE=full` uses MNIST from
`../shared/datasets/mnist/`: 28x28 images from the 10,000-image test split, a seeded 2000/500/500
split, 10 epochs, several minutes. The circuit is
simulated exactly by qopt's batched torch state vector."""),
    new_code_cell(SIZE_CELL),
    new_code_cell(ROOT_CELL + '''
import numpy as np
from qopt.qcae.train import TrainConfig, run

if SIZE == "small":
    # all 1797 digits, seeded 60/20/20 split; max_train_s caps each model's training on a loaded machine
    config = TrainConfig(dataset="digits", epochs=12, batch_size=32, lr=1e-2, qubits=4, layers=2, noise_sigma=0.5,
                         seed=0, twin="classical-linear", max_train_s=25)
else:
    mnist = ROOT.parent / "shared" / "datasets" / "mnist"
    config = TrainConfig(dataset="mnist", mnist_path=str(mnist), num_train=2000, num_val=500, num_test=500,
                         epochs=10, batch_size=32, lr=3e-3, qubits=4, layers=2, noise_sigma=0.5, seed=0,
                         twin="classical-linear")
print(config)'''),
    new_markdown_cell("""## Train the quantum model and its classical twin

`twin="classical-linear"` is a plain linear bottleneck. The reference twin (angle squash, Linear,
tanh) tends to stay on the mean-image plateau at small budgets (see `docs/qcae.md`)."""),
    new_code_cell('''import time

t0 = time.perf_counter()
outcome = run(config, classical=True, progress=False)
m = outcome["metrics"]
print(f"trained in {time.perf_counter() - t0:.1f} s on {m['num_train']} images "
      f"({m['image_side']}x{m['image_side']}), tested on {m['num_test']}")'''),
    new_markdown_cell("## SSIM / PSNR on the held-out test images"),
    new_code_cell('''print(f"{'':10s} {'SSIM':>7s} {'PSNR dB':>8s} {'params':>7s} {'latent params':>13s} {'train s':>8s}")
print(f"{'noisy':10s} {m['ssim_noisy']:7.4f} {m['psnr_noisy']:8.2f}")
for name in ("quantum", "classical"):
    print(f"{name:10s} {m[f'ssim_{name}']:7.4f} {m[f'psnr_{name}']:8.2f} {m[f'params_{name}']:7d} "
          f"{m[f'latent_params_{name}']:13d} {m[f'train_s_{name}']:8.1f}")
for name in ("quantum", "classical"):
    assert np.isfinite(m[f"ssim_{name}"]) and np.isfinite(m[f"psnr_{name}"])
    h = outcome["history"][name]["train_loss"]
    assert h[-1] < h[0], f"{name}: training loss did not decrease {h}"
    assert m[f"psnr_{name}"] > m["psnr_noisy"], f"{name} did not denoise: PSNR {m[f'psnr_{name}']:.2f} dB"'''),
    new_markdown_cell("## Image grid: clean / noisy / quantum / classical and training curves"),
    new_code_cell('''import tempfile

from IPython.display import Image, display
from qopt.qcae.plots import example_grid, training_curves
from qopt.qcae.train import denoise

data = outcome["data"]
clean, noisy = data["test_clean"][:8], data["test_noisy"][:8]
rows = {"clean": clean, "noisy": noisy,
        "quantum": denoise(outcome["models"]["quantum"], noisy),
        "classical": denoise(outcome["models"]["classical"], noisy)}
out = Path(tempfile.mkdtemp(prefix="qopt-qcae-"))
display(Image(filename=str(example_grid(out / "grid.png", rows, num_images=8,
                                         title=f"{config.dataset}: sigma {config.noise_sigma}"))))
display(Image(filename=str(training_curves(out / "curves.png", outcome["history"]))))'''),
]


if __name__ == "__main__":
    for name, cells in (("03_graph_shrinking.ipynb", SHRINKING), ("04_error_mitigation.ipynb", MITIGATION),
                        ("05_qcae_denoising.ipynb", QCAE)):
        print("wrote", write(name, cells))
