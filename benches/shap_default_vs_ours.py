#!/usr/bin/env python3
"""Default against default, one thread: shap.Explainer's default on the reference net (it picks
PermutationExplainer, max_evals 500, for 100 features; onnxruntime, one thread, timed after a
warm-up call) against onnx-inspector's default and its permutation SHAP at a few budgets, with and
without the incremental first-layer path, on the same 50 background rows (every k-th training
row) and rows 0..N-1 of the test digits. Error: rel-L2 against `--method permutation --samples
200000` (another seed). Ours: explain-phase wall time and process CPU time per row (the CPU time
includes ~14 ms of model loading per process, spread over the N rows).

Needs the venv of benches/requirements.txt. Usage from the repo root:
    <venv>/bin/python benches/shap_default_vs_ours.py 20 [REPEATS]
Prints one line per configuration: medians of REPEATS interleaved runs (default 1), ratios to
shap's time, and our model share ((model_seconds + first_layer_seconds) / explain_seconds).
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
REPEATS=int(sys.argv[2]) if len(sys.argv)>2 else 1
def load(p):
    with open(p) as f: r=list(csv.reader(f))
    return r[0], np.array(r[1:], dtype=np.float32)
hdr, train = load(REPO+"/models/digits10_train.csv"); _, test = load(REPO+"/models/digits10_test.csv")
step=max(1,len(train)//50); bg=train[::step][:50]
bgp=os.path.join(WORK, "bg.csv")
with open(bgp,"w",newline="") as f: w=csv.writer(f); w.writerow(hdr); w.writerows(bg.tolist())
def cli(method, samples=None, seed=0, extra=(), threads=1):
    return cli_wait(cli_start(method, samples, seed, extra, threads))
def cli_start(method, samples=None, seed=0, extra=(), threads=1):
    out=tempfile.mkdtemp(dir=WORK)
    cmd=[BIN,"explain",REPO+"/models/ref_dense100.onnx","--data",REPO+"/models/digits10_test.csv","--background",bgp,"--rows",f"0:{N}","--method",method,"--seed",str(seed),"--threads",str(threads),"--no-charts","--quiet","--out",out]+(["--samples",str(samples)] if samples else [])+list(extra)
    return subprocess.Popen(cmd), out
def cli_wait(started):
    p,out=started; _,st,ru=os.wait4(p.pid,0); assert st==0
    d=json.load(open(out+"/explanations.json"))
    t=d["meta"]["timings"]
    share=(t["model_seconds"]+t.get("first_layer_seconds",0.0))/(t["explain_seconds"]*t["threads"])
    return np.array(d["values"]), t["explain_seconds"]/N, (ru.ru_utime+ru.ru_stime)/N, t["total_seconds"]/N, share
ref=cli("permutation",200000,12345)[0]
so=ort.SessionOptions(); so.intra_op_num_threads=1; so.inter_op_num_threads=1
sess=ort.InferenceSession(REPO+"/models/ref_dense100.onnx",so); name=sess.get_inputs()[0].name
f=lambda X: sess.run(None,{name:np.asarray(X,dtype=np.float32)})[0]
ex=shap.Explainer(f, shap.maskers.Independent(bg, max_samples=50), seed=0)
x=test[:N]
ex(test[N:N+2])  # warm-up: numba compilation and first-call setup
rel=lambda a: float(np.linalg.norm(a-ref)/np.linalg.norm(ref))
RUNS=[("ours default (auto)",("auto",None)),("ours permutation default budget",("permutation",None)),("ours permutation --samples 500",("permutation",500)),("ours permutation --samples 1000",("permutation",1000))]
# (label, (method, samples), extra flags, threads); the two-thread runs give the scaling of the
# same configuration in the same repeat (shap runs on one thread).
CONFIGS=[] if os.environ.get("SHAP_ONLY") else [(label,args,extra,1) for label,args in RUNS for extra in [(),("--no-incremental",)]]+[(RUNS[0][0],RUNS[0][1],(),2),(RUNS[2][0],RUNS[2][1],(),2)]
# Interleaved repeats (shap, then every configuration of ours, REPEATS times); medians reported.
shap_runs=[]; ours_runs={i:[] for i in range(len(CONFIGS))}; ceiling=[]
for _ in range(REPEATS):
    c0=time.process_time(); t0=time.perf_counter(); sv=ex(x); t=(time.perf_counter()-t0)/N; c=(time.process_time()-c0)/N
    shap_runs.append((t,c,rel(np.asarray(sv.values))))
    for i,(label,args,extra,threads) in enumerate(CONFIGS):
        v,s,cpu,tot,share=cli(*args,extra=extra,threads=threads)
        ours_runs[i].append((s,cpu,tot,share,rel(v)))
    if CONFIGS:
        # The machine's own ceiling: two one-thread processes of --samples 500 at once do twice the
        # rows of one in the time of the slower (2 = perfect).
        pair=[cli_wait(p) for p in [cli_start("permutation",500) for _ in range(2)]]
        ceiling.append(2*ours_runs[CONFIGS.index((RUNS[2][0],RUNS[2][1],(),1))][-1][0]/max(pair[0][1],pair[1][1]))
med=lambda rows,k: float(np.median([r[k] for r in rows]))
print(f"{REPEATS} interleaved run(s) each, medians")
print(f"shap default ({type(ex).__name__}, max_evals 500): wall {med(shap_runs,0)*1e3:.2f} ms/row, CPU {med(shap_runs,1)*1e3:.2f} ms/row, rel-L2 {med(shap_runs,2):.4f}")
for i,(label,args,extra,threads) in enumerate(CONFIGS):
    r=ours_runs[i]
    if threads>1:
        one=CONFIGS.index((label,args,(),1))
        print(f"{label:34s} {threads} threads: explain-time speed-up over one thread per repeat {[round(a[0]/b[0],2) for a,b in zip(ours_runs[one],r)]}, median {med(ours_runs[one],0)/med(r,0):.2f}")
    tag=f"{threads} threads" if threads>1 else (' '.join(extra) or 'incremental')
    print(f"{label:34s} {tag:17s} explain wall {med(r,0)*1e3:7.2f} ms/row ({med(r,0)/med(shap_runs,0):.2f}x), process CPU {med(r,1)*1e3:7.2f} ms/row ({med(r,1)/med(shap_runs,1):.2f}x), total wall {med(r,2)*1e3:7.2f} ms/row, model share {med(r,3):.2f}, rel-L2 {med(r,4):.4f}")
if ceiling:
    print(f"two one-thread --samples 500 processes at once (the machine's ceiling): throughput over one alone per repeat {[round(c,2) for c in ceiling]}, median {float(np.median(ceiling)):.2f}")
