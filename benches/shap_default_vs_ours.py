#!/usr/bin/env python3
"""Default against default, one thread: shap.Explainer's default on the reference net (it picks
PermutationExplainer, max_evals 500, for 100 features; onnxruntime, one thread, timed after a
warm-up call) against onnx-inspector's default and its permutation SHAP at a few budgets, with and
without the incremental first-layer path, on the same 50 background rows (every k-th training
row) and rows 0..N-1 of the test digits. Error: rel-L2 against `--method permutation --samples
200000` (another seed). Ours: explain-phase wall time and process CPU time per row (the CPU time
includes ~14 ms of model loading per process, spread over the N rows).

Needs the venv of benches/requirements.txt. Usage from the repo root:
    <venv>/bin/python benches/shap_default_vs_ours.py 20
Prints one line per configuration.
"""
import os
import tempfile
for v in ("OMP_NUM_THREADS","OPENBLAS_NUM_THREADS","MKL_NUM_THREADS","NUMBA_NUM_THREADS"): os.environ[v]="1"
import csv, json, subprocess, sys, time, tempfile
import numpy as np, onnxruntime as ort, warnings
warnings.filterwarnings("ignore")
import shap
REPO=os.path.dirname(os.path.dirname(os.path.abspath(__file__))); BIN=os.environ.get("BIN", REPO+"/target/release/onnx-inspector")
WORK=tempfile.mkdtemp(prefix="shap_default_")
N=int(sys.argv[1]) if len(sys.argv)>1 else 10
def load(p):
    with open(p) as f: r=list(csv.reader(f))
    return r[0], np.array(r[1:], dtype=np.float32)
hdr, train = load(REPO+"/models/digits10_train.csv"); _, test = load(REPO+"/models/digits10_test.csv")
step=max(1,len(train)//50); bg=train[::step][:50]
bgp=os.path.join(WORK, "bg.csv")
with open(bgp,"w",newline="") as f: w=csv.writer(f); w.writerow(hdr); w.writerows(bg.tolist())
def cli(method, samples=None, seed=0, extra=()):
    out=tempfile.mkdtemp(dir=WORK)
    cmd=[BIN,"explain",REPO+"/models/ref_dense100.onnx","--data",REPO+"/models/digits10_test.csv","--background",bgp,"--rows",f"0:{N}","--method",method,"--seed",str(seed),"--threads","1","--no-charts","--quiet","--out",out]+(["--samples",str(samples)] if samples else [])+list(extra)
    p=subprocess.Popen(cmd); _,st,ru=os.wait4(p.pid,0); assert st==0
    d=json.load(open(out+"/explanations.json"))
    return np.array(d["values"]), d["meta"]["timings"]["explain_seconds"]/N, (ru.ru_utime+ru.ru_stime)/N, d["meta"]["timings"]["total_seconds"]/N
ref,_,_,_=cli("permutation",200000,12345)
so=ort.SessionOptions(); so.intra_op_num_threads=1; so.inter_op_num_threads=1
sess=ort.InferenceSession(REPO+"/models/ref_dense100.onnx",so); name=sess.get_inputs()[0].name
f=lambda X: sess.run(None,{name:np.asarray(X,dtype=np.float32)})[0]
ex=shap.Explainer(f, shap.maskers.Independent(bg, max_samples=50), seed=0)
x=test[:N]
ex(test[N:N+2])  # warm-up: numba compilation and first-call setup
c0=time.process_time(); t0=time.perf_counter(); sv=ex(x); t=(time.perf_counter()-t0)/N; c=(time.process_time()-c0)/N
phi=np.asarray(sv.values)
rel=lambda a: float(np.linalg.norm(a-ref)/np.linalg.norm(ref))
print(f"shap default ({type(ex).__name__}, max_evals 500): wall {t*1e3:.2f} ms/row, CPU {c*1e3:.2f} ms/row, rel-L2 {rel(phi):.4f}")
for label,args in [] if os.environ.get("SHAP_ONLY") else [("ours default (auto)",("auto",None)),("ours permutation default budget",("permutation",None)),("ours permutation --samples 500",("permutation",500)),("ours permutation --samples 1000",("permutation",1000))]:
    for extra in [(),("--no-incremental",)]:
        v,s,cpu,tot=cli(*args,extra=extra)
        print(f"{label:34s} {' '.join(extra) or 'incremental':17s} explain wall {s*1e3:7.2f} ms/row, process CPU {cpu*1e3:7.2f} ms/row, total wall {tot*1e3:7.2f} ms/row, rel-L2 {rel(v):.4f}")
