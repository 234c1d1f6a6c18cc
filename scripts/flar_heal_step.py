"""One flar healing run, timed by flar itself: the median step of `heal`.

Shared by scripts/bench_heal_torch.py (flar against PyTorch) and
scripts/bench_builds.py (two builds of flar): heal's default distillation of
STUDENT (a compressed all-MiniLM-L6-v2 saved by flar) against the dense
model, `steps` steps on batches of the first 512 lines of data/calib.txt,
OPENBLAS_NUM_THREADS=threads; the median of `h.step_seconds` over steps
2..N (the first is a warm-up).
"""
import os
import re
import statistics
import subprocess

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEACHER = os.path.join(ROOT, "models", "all-MiniLM-L6-v2")
CALIB = os.path.join(ROOT, "data", "calib.txt")
POOL = 512


def flar_heal_step(flar, student_dir, steps, threads):
    """The median seconds per step of `heal(…, steps=steps)` run by the binary `flar`."""
    script = (f'm = load("{TEACHER}"); s = load("{student_dir}"); '
              f'h = heal(s, text("{CALIB}", limit={POOL}), teacher=m, steps={steps}, '
              f'held_out=64, eval_every=100000); '
              f'for i in 0:{steps} do print(h.step_seconds[0, i]) end')
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(threads))
    out = subprocess.run([flar, "--quiet", "-e", script], capture_output=True, text=True,
                         env=env, cwd=ROOT, check=True).stdout
    times = [float(x) for x in re.findall(r"[-+]?\d+(?:\.\d*)?(?:[eE][-+]?\d+)?", out)]
    assert len(times) == steps, out
    return statistics.median(times[1:])
