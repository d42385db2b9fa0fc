"""Native peers of `npm run bench`: numpy and torch (CPU, float64), driven by bench/native.ts.

One JSON request per line on stdin, one JSON answer per line on stdout:
  {"cmd": "init"}                                  -> versions, thread counts, or why a peer is missing
  {"cmd": "prepare", "lib", "op", "dir", "meta"}   -> loads dir/a.f64 (and b.f64, theta.f64), builds the op
  {"cmd": "run", "lib"}                            -> runs it once; {"ms": time of the op alone}
  {"cmd": "read", "lib", "path"}                   -> writes the last run's result as flat float64
  {"cmd": "cleanup", "lib"}
The time is taken here with perf_counter around the library call only, so the pipe does not count.
"""

import json
import math
import os
import sys
import time

LIBS = {}
PREPARED = {}
LAST = {}


def load_numpy():
    import numpy as np

    LIBS["numpy"] = np
    try:
        cfg = np.show_config(mode="dicts")
        blas = cfg.get("Build Dependencies", {}).get("blas", {}).get("name", "?")
    except Exception:  # older numpy
        blas = "?"
    return f"numpy {np.__version__} ({blas})"


def load_torch():
    import torch

    LIBS["torch"] = torch
    return f"torch {torch.__version__}, {torch.get_num_threads()} threads"


def read_f64(path, shape):
    import numpy as np

    return np.fromfile(path, dtype=np.float64).reshape(shape)


def inputs(d, meta):
    batch, n, m = meta["batch"], meta["n"], meta.get("m") or meta["n"]
    a_shape = (batch, m, n) if batch > 1 else (m, n)
    out = {"a": read_f64(os.path.join(d, "a.f64"), a_shape)}
    if os.path.exists(os.path.join(d, "b.f64")):
        out["b"] = read_f64(os.path.join(d, "b.f64"), (-1,))
    if os.path.exists(os.path.join(d, "theta.f64")):
        out["theta"] = read_f64(os.path.join(d, "theta.f64"), (-1,))
    return out, n


def numpy_op(op, x, n):
    np = LIBS["numpy"]
    a = x["a"]
    b = x.get("b")
    la = np.linalg
    if op == "inv":
        return lambda: [la.inv(a)]
    if op == "matmul":
        bm = b.reshape(n, n)
        return lambda: [a @ bm]
    if op == "matmulC128":  # a: m×2m interleaved rows, read as m×m complex128 (no copy)
        ac, bc = a.view(np.complex128), b.view(np.complex128).reshape(n // 2, n // 2)
        return lambda: [(ac @ bc).view(np.float64)]
    if op == "solve":
        bm = b.reshape(n, n)
        return lambda: [la.solve(a, bm)]
    if op == "cholesky":
        return lambda: [la.cholesky(a)]
    if op == "det":
        return lambda: [la.det(a)]
    if op == "svd":
        return lambda: list(la.svd(a, full_matrices=False))
    if op == "svdvals":
        return lambda: [la.svd(a, compute_uv=False)]
    if op == "eigh":
        return lambda: list(la.eigh(a))
    if op == "qr":
        return lambda: list(la.qr(a))
    if op == "pinv":
        return lambda: [la.pinv(a)]
    return None


def torch_op(op, x, n):
    torch = LIBS["torch"]
    a = torch.from_numpy(x["a"].copy())
    b = x.get("b")
    la = torch.linalg
    if op == "inv":
        return lambda: [la.inv(a)]
    if op == "invBackward":
        ag = a.clone().requires_grad_(True)

        def f():
            la.inv(ag).sum().backward()
            g = ag.grad
            ag.grad = None
            return [g]

        return f
    if op == "matmul":
        bm = torch.from_numpy(b.reshape(n, n).copy())
        return lambda: [a @ bm]
    if op == "matmulC128":
        ac = torch.view_as_complex(a.reshape(n // 2, n // 2, 2))
        bc = torch.view_as_complex(torch.from_numpy(b.reshape(n // 2, n // 2, 2).copy()))
        return lambda: [torch.view_as_real(ac @ bc)]
    if op == "solve":
        bm = torch.from_numpy(b.reshape(n, n).copy())
        return lambda: [la.solve(a, bm)]
    if op == "cholesky":
        return lambda: [la.cholesky(a)]
    if op == "det":
        return lambda: [la.det(a)]
    if op == "svd":
        return lambda: list(la.svd(a, full_matrices=False))
    if op == "svdvals":
        return lambda: [la.svdvals(a)]
    if op == "svdvalsBackward":
        ag = a.clone().requires_grad_(True)

        def f():
            la.svdvals(ag).sum().backward()
            g = ag.grad
            ag.grad = None
            return [g]

        return f
    if op == "eigh":
        return lambda: list(la.eigh(a))
    if op == "qr":
        return lambda: list(la.qr(a))
    if op == "pinv":
        return lambda: [la.pinv(a)]
    if op == "gp":
        d2 = a
        y = torch.from_numpy(b.copy()).reshape(n, 1)
        eye = torch.eye(n, dtype=torch.float64)
        theta0 = torch.from_numpy(x["theta"].copy())
        log2pi = 0.5 * n * math.log(2 * math.pi)

        def f():
            th = theta0.clone().requires_grad_(True)
            k = torch.exp(2 * th[1]) * torch.exp(d2 * (-0.5 * torch.exp(-2 * th[0]))) + torch.exp(2 * th[2]) * eye
            chol = la.cholesky(k)
            z = la.solve_triangular(chol, y, upper=False)
            nlp = 0.5 * (z * z).sum() + torch.log(torch.diagonal(chol)).sum() + log2pi
            nlp.backward()
            return [nlp.detach().reshape(1), th.grad]

        return f
    if op == "jvpInv":
        v = torch.from_numpy(b.reshape(n, n).copy())
        return lambda: list(torch.func.jvp(la.inv, (a,), (v,)))
    if op == "gpHessian":
        d2 = a
        y = torch.from_numpy(b.copy()).reshape(n, 1)
        eye = torch.eye(n, dtype=torch.float64)
        theta0 = torch.from_numpy(x["theta"].copy())
        log2pi = 0.5 * n * math.log(2 * math.pi)

        def nlp(th):
            k = torch.exp(2 * th[1]) * torch.exp(d2 * (-0.5 * torch.exp(-2 * th[0]))) + torch.exp(2 * th[2]) * eye
            chol = la.cholesky(k)
            z = la.solve_triangular(chol, y, upper=False)
            return 0.5 * (z * z).sum() + torch.log(torch.diagonal(chol)).sum() + log2pi

        hess = torch.func.hessian(nlp)
        return lambda: [hess(theta0)]
    if op == "jacrevSolve":
        xv = torch.from_numpy(b.copy())
        jac = torch.func.jacrev(lambda v: la.solve(a, v))
        return lambda: [jac(xv)]
    return None


def flat(outs):
    import numpy as np

    parts = []
    for o in outs:
        if hasattr(o, "detach"):
            o = o.detach().numpy()
        parts.append(np.asarray(o, dtype=np.float64).reshape(-1))
    return np.concatenate(parts)


def handle(req):
    cmd = req["cmd"]
    if cmd == "init":
        out = {}
        for name, loader in (("numpy", load_numpy), ("torch", load_torch)):
            try:
                out[name] = {"ok": True, "note": loader()}
            except Exception as e:  # not importable: the bench skips this peer with the reason
                out[name] = {"ok": False, "note": f"{type(e).__name__}: {e}"}
        return out
    lib = req["lib"]
    if cmd == "prepare":
        x, n = inputs(req["dir"], req["meta"])
        make = numpy_op if lib == "numpy" else torch_op
        f = make(req["op"], x, n)
        if f is None:
            return {"error": f"{lib} has no adapter for {req['op']}"}
        PREPARED[lib] = f
        return {"ok": True}
    if cmd == "run":
        f = PREPARED[lib]
        LAST.pop(lib, None)
        t = time.perf_counter()
        out = f()
        ms = (time.perf_counter() - t) * 1000
        LAST[lib] = out
        return {"ms": ms}
    if cmd == "read":
        flat(LAST.pop(lib)).tofile(req["path"])
        return {"ok": True}
    if cmd == "cleanup":
        PREPARED.pop(lib, None)
        LAST.pop(lib, None)
        return {"ok": True}
    return {"error": f"unknown command {cmd}"}


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            ans = handle(json.loads(line))
        except Exception as e:
            ans = {"error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(ans) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
