#!/usr/bin/env python3
"""Train, export and document the onnx-inspector model zoo.

Everything is written next to this script (``models/``):

* ``<stem>.onnx``                    the exported model
* ``<data>_{train,test}.csv``        features exactly as the model sees them
                                     (float32 values printed with ``%.9g``,
                                     which round-trips float32 exactly)
* ``<data>_{train,test}_labels.csv`` one column: ``label`` (class index) or
                                     ``target`` (regression)
* ``<stem>_keras_pred.csv``          Keras ``model.predict`` on the test rows
* ``zoo.json``                       manifest read by the Rust tests

Two environments are needed because tf2onnx's ``from_keras`` only supports
Keras 2 (tf.keras in TF <= 2.15) while ``model.export(format="onnx")`` only
exists in Keras >= 3.6:

    /work/venv-zoo/bin/python    models/export_keras.py   # Keras 2 models
    /work/venv-zoo-k3/bin/python models/export_keras.py   # Keras 3 model (wine)

Each run exports the models its Keras version can produce (``--only`` narrows
that further) and merges its entries into ``zoo.json``; entries of the other
run are kept as they are.  Runs are deterministic (fixed seeds, op
determinism, single-threaded TF).
"""
import argparse
import json
import os
import random
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("PYTHONHASHSEED", "0")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import keras  # noqa: E402  (keras 2.15 package in the TF 2.15 venv, keras 3 otherwise)
import tensorflow as tf  # noqa: E402
import onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402
import sklearn  # noqa: E402
from sklearn import datasets  # noqa: E402
from sklearn.model_selection import train_test_split  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.metrics import accuracy_score, r2_score, mean_squared_error  # noqa: E402

OUT = os.path.dirname(os.path.abspath(__file__))
SEED = 0
OPSET = 13
TOL = 1e-5
KERAS3 = int(keras.__version__.split(".")[0]) >= 3

# Canonical manifest order (file names are a contract with the Rust tests).
ORDER = [
    "ref_dense100.onnx",
    "breast_cancer.onnx",
    "diabetes.onnx",
    "cnn_digits8.onnx",
    "wine_keras3.onnx",
    "breast_cancer_fixed1.onnx",
    "resnet_small.onnx",
    "mobilenet_block.onnx",
    "digits32_cnn.onnx",
    "lstm_digits8.onnx",
    "gru_digits8.onnx",
    "breast_cancer_layernorm.onnx",
    "breast_cancer_normalization.onnx",
    "text_sentiment.onnx",
    "series_lstm.onnx",
    "wide_deep_wine.onnx",
    "image_meta_digits8.onnx",
    "additive_wide.onnx",
]


def seed_everything():
    random.seed(SEED)
    np.random.seed(SEED)
    tf.keras.utils.set_random_seed(SEED)
    tf.keras.backend.clear_session()
    # clear_session may reset the global generator; seed again afterwards.
    tf.keras.utils.set_random_seed(SEED)


def configure_tf():
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    tf.config.experimental.enable_op_determinism()


# ---------------------------------------------------------------- CSV helpers
def px_names(h, w):
    return [f"px_{r}_{c}" for r in range(h) for c in range(w)]


def save_float_csv(name, arr, header, fmt="%.9g"):
    arr = np.asarray(arr, dtype=np.float32)
    if arr.ndim == 1:
        arr = arr[:, None]
    assert arr.shape[1] == len(header), (name, arr.shape, len(header))
    path = os.path.join(OUT, name)
    np.savetxt(path, arr, fmt=fmt, delimiter=",", header=",".join(header), comments="")
    back = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.float32, ndmin=2)
    assert np.array_equal(back, arr), f"{name}: float32 round trip failed"
    return name


def save_label_csv(name, y, column):
    path = os.path.join(OUT, name)
    y = np.asarray(y)
    if column == "label":
        np.savetxt(path, y.astype(np.int64)[:, None], fmt="%d", header=column, comments="")
    else:
        return save_float_csv(name, y.astype(np.float32), [column])
    return name


def split_files(prefix):
    """The CSV names write_split gives a split, for a model that reuses an existing one."""
    return {"train_csv": f"{prefix}_train.csv", "test_csv": f"{prefix}_test.csv",
            "train_labels_csv": f"{prefix}_train_labels.csv",
            "test_labels_csv": f"{prefix}_test_labels.csv"}


def write_split(prefix, feat_names, Xtr, Xte, ytr, yte, label_col, fmt="%.9g"):
    files = {
        "train_csv": save_float_csv(f"{prefix}_train.csv", Xtr, feat_names, fmt),
        "test_csv": save_float_csv(f"{prefix}_test.csv", Xte, feat_names, fmt),
        "train_labels_csv": save_label_csv(f"{prefix}_train_labels.csv", ytr, label_col),
        "test_labels_csv": save_label_csv(f"{prefix}_test_labels.csv", yte, label_col),
    }
    return files


# ---------------------------------------------------------------- ONNX helpers
def _dims(vi):
    out = []
    for d in vi.type.tensor_type.shape.dim:
        if d.HasField("dim_param"):
            out.append(d.dim_param)
        elif d.HasField("dim_value"):
            out.append(int(d.dim_value))
        else:
            out.append(None)
    return out


def onnx_info(fname):
    m = onnx.load(os.path.join(OUT, fname))
    onnx.checker.check_model(m)
    inits = {i.name for i in m.graph.initializer}
    ins = [i for i in m.graph.input if i.name not in inits]
    assert len(ins) >= 1 and len(m.graph.output) == 1, fname
    opset = next(o.version for o in m.opset_import if o.domain in ("", "ai.onnx"))
    return {
        "opset": int(opset),
        "producer": f"{m.producer_name} {m.producer_version}".strip(),
        "input_name": ins[0].name,
        "input_shape": _dims(ins[0]),
        "inputs": [{"name": i.name, "shape": _dims(i),
                    "elem_type": onnx.TensorProto.DataType.Name(i.type.tensor_type.elem_type).lower()}
                   for i in ins],
        "output_name": m.graph.output[0].name,
        "output_shape": _dims(m.graph.output[0]),
        "op_types": sorted({n.op_type for n in m.graph.node}),
    }


def ort_predict(fname, X, fixed_batch):
    sess = ort.InferenceSession(os.path.join(OUT, fname), providers=["CPUExecutionProvider"])
    if isinstance(X, dict):
        return sess.run(None, X)[0]
    name = sess.get_inputs()[0].name
    if fixed_batch:
        return np.concatenate([sess.run(None, {name: X[i:i + 1]})[0] for i in range(len(X))])
    return sess.run(None, {name: X})[0]


def check_ort(fname, X, keras_pred, fixed_batch=False):
    out = ort_predict(fname, X, fixed_batch)
    out = out.reshape(keras_pred.shape)
    diff = float(np.max(np.abs(out.astype(np.float64) - keras_pred.astype(np.float64))))
    print(f"  {fname}: onnxruntime vs keras max abs diff = {diff:.3e}")
    assert diff <= TOL, f"{fname}: ORT/Keras mismatch {diff} > {TOL}"
    return diff


def export_tf2onnx(model, fname, input_signature=None):
    import tf2onnx

    tf2onnx.convert.from_keras(model, input_signature=input_signature, opset=OPSET,
                               output_path=os.path.join(OUT, fname))
    return f"tf2onnx {tf2onnx.__version__}"


def keras_pred_csv(stem, pred, cols):
    return save_float_csv(f"{stem}_keras_pred.csv", pred, cols)


def entry(fname, task, exporter, files, n_features, n_outputs, metric, diff, fixed_batch,
          keras_pred, extra=None):
    info = onnx_info(fname)
    e = {
        "file": fname,
        "task": task,
        "exporter": exporter,
        "opset": info["opset"],
        "producer": info["producer"],
        "input_name": info["input_name"],
        "input_shape": info["input_shape"],
        "output_name": info["output_name"],
        "output_shape": info["output_shape"],
        "train_csv": files["train_csv"],
        "test_csv": files["test_csv"],
        "train_labels_csv": files["train_labels_csv"],
        "test_labels_csv": files["test_labels_csv"],
        "keras_pred_csv": keras_pred,
        "n_features": n_features,
        "n_outputs": n_outputs,
        "test_metric": metric,
        "fixed_batch": fixed_batch,
        "ort_vs_keras_max_abs_diff": diff,
        "op_types": info["op_types"],
        "keras_version": keras.__version__,
        "tensorflow_version": tf.__version__,
    }
    if len(info["inputs"]) > 1:
        e["inputs"] = info["inputs"]
    if extra:
        e.update(extra)
    print(f"  {fname}: in {e['input_name']} {e['input_shape']} -> out {e['output_name']} "
          f"{e['output_shape']}, opset {e['opset']}, metric {metric}")
    return e


def r6(x):
    return float(round(float(x), 6))


# ---------------------------------------------------------------- data sets
def digits10():
    """sklearn digits, /16 to [0,1], bilinear-resized 8x8 -> 10x10 (corner aligned)."""
    from scipy.ndimage import zoom

    d = datasets.load_digits()
    imgs = d.images.astype(np.float64) / 16.0
    big = np.stack([zoom(im, 10 / 8, order=1, mode="nearest", grid_mode=False) for im in imgs])
    assert big.shape[1:] == (10, 10)
    X = np.clip(big, 0.0, 1.0).reshape(len(imgs), 100).astype(np.float32)
    return train_test_split(X, d.target, test_size=0.2, stratify=d.target, random_state=0)


def digits8():
    d = datasets.load_digits()
    X = (d.images.astype(np.float32) / np.float32(16.0)).reshape(len(d.images), 64)
    return train_test_split(X, d.target, test_size=0.2, stratify=d.target, random_state=0)


def standardized(load, test_size=0.2, stratify=True):
    d = load()
    Xtr, Xte, ytr, yte = train_test_split(d.data, d.target, test_size=test_size,
                                          stratify=d.target if stratify else None,
                                          random_state=0)
    sc = StandardScaler().fit(Xtr)
    return (list(d.feature_names), sc.transform(Xtr).astype(np.float32),
            sc.transform(Xte).astype(np.float32), ytr, yte)


# ---------------------------------------------------------------- models (Keras 2 / tf2onnx)
def build_ref_dense100():
    seed_everything()
    from tensorflow.keras.models import Sequential
    from tensorflow.keras.layers import Dense

    Xtr, Xte, ytr, yte = digits10()
    files = write_split("digits10", px_names(10, 10), Xtr, Xte, ytr, yte, "label")

    model = Sequential([Dense(64, activation='relu', input_dim=100),
                        Dense(10, activation='softmax')])
    model.compile(optimizer='adam', loss='categorical_crossentropy', metrics=['accuracy'])
    model.fit(Xtr, tf.keras.utils.to_categorical(ytr, 10), epochs=10, batch_size=32, verbose=0)

    pred = model.predict(Xte, verbose=0)
    kp = keras_pred_csv("ref_dense100", pred, [f"class_{i}" for i in range(10)])
    fname = "ref_dense100.onnx"
    exporter = export_tf2onnx(model, fname)
    diff = check_ort(fname, Xte, pred)
    metric = {"accuracy": r6(accuracy_score(yte, pred.argmax(1)))}
    return [entry(fname, "softmax 10 classes", exporter, files, 100, 10, metric, diff, False, kp,
                  {"data": "sklearn digits 8x8 /16, bilinear-resized to 10x10 (scipy.ndimage.zoom order=1)"})]


def build_breast_cancer():
    seed_everything()
    L = tf.keras.layers
    names, Xtr, Xte, ytr, yte = standardized(datasets.load_breast_cancer)
    files = write_split("breast_cancer", names, Xtr, Xte, ytr, yte, "label")

    model = tf.keras.Sequential([L.Dense(16, activation="relu", input_shape=(30,)),
                                 L.Dropout(0.2),
                                 L.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(Xtr, ytr.astype(np.float32), epochs=50, batch_size=32, verbose=0)

    pred = model.predict(Xte, verbose=0)
    kp = keras_pred_csv("breast_cancer", pred, ["prob"])
    metric = {"accuracy": r6(accuracy_score(yte, (pred[:, 0] > 0.5).astype(int)))}
    data = "sklearn breast_cancer, StandardScaler fit on train (label 1 = benign)"
    out = []

    fname = "breast_cancer.onnx"
    exporter = export_tf2onnx(model, fname)
    diff = check_ort(fname, Xte, pred)
    out.append(entry(fname, "binary sigmoid (prob of class 1)", exporter, files, 30, 1, metric,
                     diff, False, kp, {"data": data}))

    # Same trained model, fixed batch of one.
    fname = "breast_cancer_fixed1.onnx"
    in_name = model.inputs[0].name.split(":")[0]
    sig = (tf.TensorSpec([1, 30], tf.float32, name=in_name),)
    exporter = export_tf2onnx(model, fname, input_signature=sig)
    diff = check_ort(fname, Xte, pred, fixed_batch=True)
    out.append(entry(fname, "binary sigmoid (prob of class 1), fixed batch 1", exporter, files, 30, 1,
                     metric, diff, True, kp,
                     {"data": data, "same_weights_as": "breast_cancer.onnx"}))
    return out


def build_diabetes():
    seed_everything()
    L = tf.keras.layers
    d = datasets.load_diabetes()
    Xtr, Xte, ytr, yte = train_test_split(d.data.astype(np.float32), d.target, test_size=0.2,
                                          random_state=0)
    mu, sd = float(ytr.mean()), float(ytr.std())
    ytr_s = ((ytr - mu) / sd).astype(np.float32)
    yte_s = ((yte - mu) / sd).astype(np.float32)
    files = write_split("diabetes", list(d.feature_names), Xtr, Xte, ytr_s, yte_s, "target")

    model = tf.keras.Sequential([L.Dense(32, activation="relu", input_shape=(10,)),
                                 L.Dense(1)])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.003), loss="mse")
    model.fit(Xtr, ytr_s, epochs=200, batch_size=32, verbose=0)

    pred = model.predict(Xte, verbose=0)
    kp = keras_pred_csv("diabetes", pred, ["target"])
    fname = "diabetes.onnx"
    exporter = export_tf2onnx(model, fname)
    diff = check_ort(fname, Xte, pred)
    metric = {"r2": r6(r2_score(yte_s, pred[:, 0])),
              "mse": r6(mean_squared_error(yte_s, pred[:, 0]))}
    return [entry(fname, "regression (standardized target)", exporter, files, 10, 1, metric, diff,
                  False, kp,
                  {"data": "sklearn diabetes, features as sklearn gives them (already scaled); "
                           "target standardized with train mean/std: target = (y - mean) / std",
                   "target_mean": mu, "target_std": sd})]


def build_cnn_digits8():
    seed_everything()
    L = tf.keras.layers
    Xtr, Xte, ytr, yte = digits8()
    files = write_split("digits8", px_names(8, 8), Xtr, Xte, ytr, yte, "label")
    Xtr4, Xte4 = Xtr.reshape(-1, 8, 8, 1), Xte.reshape(-1, 8, 8, 1)

    model = tf.keras.Sequential([
        L.Conv2D(8, 3, activation="relu", padding="same", input_shape=(8, 8, 1)),
        L.BatchNormalization(),
        L.MaxPool2D(2),
        L.Flatten(),
        L.Dropout(0.1),
        L.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(Xtr4, ytr, epochs=20, batch_size=32, verbose=0)

    pred = model.predict(Xte4, verbose=0)
    kp = keras_pred_csv("cnn_digits8", pred, [f"class_{i}" for i in range(10)])
    fname = "cnn_digits8.onnx"
    exporter = export_tf2onnx(model, fname)
    diff = check_ort(fname, Xte4, pred)
    metric = {"accuracy": r6(accuracy_score(yte, pred.argmax(1)))}
    return [entry(fname, "softmax 10 classes (CNN, NHWC input)", exporter, files, 64, 10, metric,
                  diff, False, kp,
                  {"data": "sklearn digits 8x8 /16; CSV row = image flattened row-major, "
                           "reshape to [N,8,8,1] (NHWC)",
                   "input_layout": "NHWC"})]


def breast_cancer_variant(stem, make_layers, task, note):
    """A binary classifier on the existing breast_cancer split: `make_layers(Xtr)` gives its Keras
    layers (30 inputs, one sigmoid output); trained 30 epochs, exported as `{stem}.onnx` with its
    Keras predictions."""
    seed_everything()
    names, Xtr, Xte, ytr, yte = standardized(datasets.load_breast_cancer)
    model = tf.keras.Sequential(make_layers(Xtr))
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(Xtr, ytr.astype(np.float32), epochs=30, batch_size=32, verbose=0)
    pred = model.predict(Xte, verbose=0)
    kp = keras_pred_csv(stem, pred, ["prob"])
    metric = {"accuracy": r6(accuracy_score(yte, (pred[:, 0] > 0.5).astype(int)))}
    fname = f"{stem}.onnx"
    exporter = export_tf2onnx(model, fname)
    diff = check_ort(fname, Xte, pred)
    data = "sklearn breast_cancer, StandardScaler fit on train (the breast_cancer CSVs)" + note
    return [entry(fname, f"binary sigmoid (prob of class 1), {task}", exporter,
                  split_files("breast_cancer"), 30, 1, metric, diff, False, kp, {"data": data})]


def build_breast_cancer_layernorm():
    """Dense -> LayerNormalization -> Dense: tf2onnx (opset 13) writes the layer norm as a
    BatchNormalization whose mean and variance the graph computes."""
    L = tf.keras.layers
    return breast_cancer_variant(
        "breast_cancer_layernorm",
        lambda Xtr: [L.Dense(16, activation="gelu", input_shape=(30,)), L.LayerNormalization(),
                     L.Dense(1, activation="sigmoid")],
        "Dense-LayerNormalization-Dense", "")


def build_breast_cancer_normalization():
    """A Keras Normalization layer (adapted on the training split) in front of Dense layers:
    tf2onnx writes it as a Sub and a Mul by per-feature constants."""
    L = tf.keras.layers

    def layers(Xtr):
        norm = L.Normalization(input_shape=(30,))
        norm.adapt(Xtr * 3.0 + 1.0)
        return [norm, L.Dense(16, activation="relu"), L.Dense(1, activation="sigmoid")]

    return breast_cancer_variant(
        "breast_cancer_normalization", layers, "Normalization-Dense-Dense",
        "; the Normalization layer is adapted on 3x + 1 of them, so its mean and variance are "
        "not 0 and 1")


def build_lstm_digits8():
    """Recurrent models: the 8x8 digits read row by row (8 steps of 8 pixels) by an LSTM and by a
    GRU. Their zero initial state is shaped from the batch, so tract types them only at a
    concrete batch."""
    seed_everything()
    L = tf.keras.layers
    Xtr, Xte, ytr, yte = digits8()
    files = split_files("digits8")
    Xtr3, Xte3 = Xtr.reshape(-1, 8, 8), Xte.reshape(-1, 8, 8)
    out = []
    for stem, layer in [("lstm_digits8", L.LSTM), ("gru_digits8", L.GRU)]:
        seed_everything()
        model = tf.keras.Sequential([
            layer(16, input_shape=(8, 8)),
            L.Dense(10, activation="softmax"),
        ])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(Xtr3, ytr, epochs=30, batch_size=32, verbose=0)
        pred = model.predict(Xte3, verbose=0)
        kp = keras_pred_csv(stem, pred, [f"class_{i}" for i in range(10)])
        fname = f"{stem}.onnx"
        exporter = export_tf2onnx(model, fname)
        diff = check_ort(fname, Xte3, pred)
        metric = {"accuracy": r6(accuracy_score(yte, pred.argmax(1)))}
        out.append(entry(fname, f"softmax 10 classes ({layer.__name__} over image rows)",
                         exporter, files, 64, 10, metric, diff, False, kp,
                         {"data": "sklearn digits 8x8 /16 (the digits8 CSVs); reshape to "
                                  "[N,8,8]: 8 time steps of 8 values"}))
    return out


def build_image_model(stem):
    """One of image_zoo.MODELS, trained on the full digits32 training split; the committed CSVs
    hold the first rows of each class (image_zoo.TRAIN_PER_CLASS / TEST_PER_CLASS)."""
    import image_zoo as iz

    Xtr, Xte, ytr, yte = iz.digits32()
    tr, te = iz.per_class(ytr, iz.TRAIN_PER_CLASS), iz.per_class(yte, iz.TEST_PER_CLASS)
    flat = lambda X: X.reshape(len(X), -1)  # noqa: E731
    # Values have 3 decimals: "%.3g" prints them exactly and round-trips float32 (checked).
    files = write_split("digits32", iz.column_names(), flat(Xtr[tr]), flat(Xte[te]), ytr[tr], yte[te],
                        "label", fmt="%.3g")
    build, epochs, arch = iz.MODELS[stem]
    seed_everything()
    model = iz.fit(build(), Xtr, ytr, epochs)
    pred = model.predict(Xte[te], verbose=0)
    full = model.predict(Xte, verbose=0)
    kp = keras_pred_csv(stem, pred, [f"class_{i}" for i in range(10)])
    fname = f"{stem}.onnx"
    exporter = export_tf2onnx(model, fname)
    diff = check_ort(fname, Xte[te], pred)
    metric = {"accuracy": r6(accuracy_score(yte[te], pred.argmax(1)))}
    full_acc = r6(accuracy_score(yte, full.argmax(1)))
    print(f"  {fname}: {model.count_params()} parameters, {epochs} epochs, accuracy {metric['accuracy']} "
          f"on the {len(te)} committed test rows, {full_acc} on all {len(yte)}")
    return [entry(fname, "softmax 10 classes (CNN, NHWC input 32x32x3)", exporter, files, Xte[0].size,
                  10, metric, diff, False, kp,
                  {"data": "sklearn digits 8x8 /16, bilinear-upsampled to 32x32 (scipy.ndimage.zoom "
                           "order=1, grid_mode=True), grey replicated to 3 channels, rounded to 3 "
                           "decimals; CSV row = image flattened row-major, reshape to [N,32,32,3] "
                           f"(NHWC); CSVs hold the first {iz.TRAIN_PER_CLASS} (train) / "
                           f"{iz.TEST_PER_CLASS} (test) rows of each class of the split",
                   "input_layout": "NHWC",
                   "architecture": arch,
                   "epochs": epochs,
                   "n_parameters": int(model.count_params()),
                   "accuracy_full_test_split": full_acc,
                   "full_split_rows": [int(len(ytr)), int(len(yte))]})]


# Text classifier: one word decides the class, by construction of the corpus.
TEXT_FILLERS = ("the movie film plot story actor actors scene scenes music ending cast director "
                "script camera was were is it this that a an and but with very quite rather long "
                "short slow fast old new first last").split()
TEXT_DECIDERS = {"excellent": 1, "awful": 0}
TEXT_LEN = 12


def text_corpus(n, rng):
    """Sentences of 3..9 filler words with one decider word at a random place; the label is
    the decider's (1 = "excellent", 0 = "awful")."""
    words, labels = [], []
    deciders = sorted(TEXT_DECIDERS)
    for _ in range(n):
        ws = list(rng.choice(TEXT_FILLERS, size=rng.integers(3, 10)))
        d = deciders[rng.integers(0, 2)]
        ws.insert(int(rng.integers(0, len(ws) + 1)), d)
        words.append(" ".join(ws))
        labels.append(TEXT_DECIDERS[d])
    return words, np.array(labels)


class MaskedSum(tf.keras.layers.Layer):
    """Sum of the embeddings of the non-padding tokens (Keras' mask): unlike a masked average,
    an all-padding text (every token hidden) is 0, not 0/0."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return tf.reduce_sum(inputs, axis=1)
        return tf.reduce_sum(inputs * tf.expand_dims(tf.cast(mask, inputs.dtype), -1), axis=1)

    def compute_mask(self, inputs, mask=None):
        return None


def build_text_sentiment():
    """TextVectorization (outside the model: the ONNX takes the ids) -> Embedding(mask_zero)
    -> masked sum -> Dense(1, sigmoid), on a generated corpus: the logit is additive in the
    tokens, and hiding a token (id 0) removes its term."""
    seed_everything()
    L = tf.keras.layers
    rng = np.random.default_rng(SEED)
    tr_text, ytr = text_corpus(400, rng)
    te_text, yte = text_corpus(40, rng)
    vec = L.TextVectorization(output_sequence_length=TEXT_LEN)
    vec.adapt(tr_text)
    vocab = vec.get_vocabulary()
    with open(os.path.join(OUT, "text_sentiment_vocab.txt"), "w") as f:
        f.write("".join(f"{w}\n" for w in vocab))
    ids = lambda t: vec(np.array(t)).numpy().astype(np.int32)  # noqa: E731
    Xtr, Xte = ids(tr_text), ids(te_text)
    names = [f"tok_{i}" for i in range(TEXT_LEN)]
    files = write_split("text_sentiment", names, Xtr, Xte, ytr, yte, "label", fmt="%d")
    seed_everything()
    model = tf.keras.Sequential([
        L.Embedding(len(vocab), 8, mask_zero=True, input_shape=(TEXT_LEN,)),
        MaskedSum(),
        L.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(Xtr, ytr, epochs=60, batch_size=32, verbose=0)
    pred = model.predict(Xte, verbose=0)
    kp = keras_pred_csv("text_sentiment", pred, ["positive"])
    fname = "text_sentiment.onnx"
    sig = [tf.TensorSpec([None, TEXT_LEN], tf.int32, name="ids")]
    exporter = export_tf2onnx(model, fname, input_signature=sig)
    diff = check_ort(fname, Xte, pred)
    metric = {"accuracy": r6(accuracy_score(yte, pred[:, 0] > 0.5))}
    return [entry(fname, "binary, sigmoid = P(positive) (text: token ids)", exporter, files,
                  TEXT_LEN, 1, metric, diff, False, kp,
                  {"data": f"generated sentences: 3..9 of {len(TEXT_FILLERS)} filler words and one "
                           "decider ('excellent' = 1, 'awful' = 0) at a random place; ids from "
                           f"TextVectorization(output_sequence_length={TEXT_LEN}), 0 = padding",
                   "vocab": "text_sentiment_vocab.txt",
                   "input_layout": "token ids [N, L] (int32)",
                   "architecture": "Embedding(V, 8, mask_zero=True) -> masked sum over tokens -> "
                                   "Dense(1, sigmoid); adam, 60 epochs, batch 32"})]


SERIES_T, SERIES_CHANNELS = 10, ("temp", "load", "noise")


def build_series_lstm():
    """Sequence regressor over [N, 10, 3] series: y = mean of 'temp' over the last 3 steps plus
    0.5 x 'load' at step 0; 'noise' does not matter."""
    seed_everything()
    L = tf.keras.layers
    rng = np.random.default_rng(SEED + 1)
    f = len(SERIES_CHANNELS)

    def series(n):
        x = rng.normal(size=(n, SERIES_T, f)).astype(np.float32).round(3)
        y = x[:, -3:, 0].mean(1) + 0.5 * x[:, 0, 1]
        return x, y.astype(np.float32)

    Xtr, ytr = series(800)
    Xte, yte = series(50)
    names = [f"t{t}_{c}" for t in range(SERIES_T) for c in SERIES_CHANNELS]
    flat = lambda X: X.reshape(len(X), -1)  # noqa: E731
    files = write_split("series", names, flat(Xtr), flat(Xte), ytr, yte, "target", fmt="%.3f")
    seed_everything()
    model = tf.keras.Sequential([
        L.LSTM(16, input_shape=(SERIES_T, f)),
        L.Dense(1),
    ])
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="mse")
    model.fit(Xtr, ytr, epochs=40, batch_size=32, verbose=0)
    pred = model.predict(Xte, verbose=0)
    kp = keras_pred_csv("series_lstm", pred, ["target"])
    fname = "series_lstm.onnx"
    exporter = export_tf2onnx(model, fname)
    diff = check_ort(fname, Xte, pred)
    metric = {"r2": r6(r2_score(yte, pred[:, 0])), "mse": r6(mean_squared_error(yte, pred[:, 0]))}
    return [entry(fname, "regression over a sequence (LSTM, input [N,10,3])", exporter, files,
                  SERIES_T * f, 1, metric, diff, False, kp,
                  {"data": "generated N(0,1) series rounded to 3 decimals, 10 steps x 3 channels "
                           "(temp, load, noise); y = mean(temp[7:10]) + 0.5 load[0]; CSV column "
                           "t{step}_{channel}, reshape to [N,10,3]",
                   "input_layout": "sequence [N, T=10, F=3]",
                   "architecture": "LSTM(16) -> Dense(1); Adam(0.01), mse, 40 epochs, batch 32"})]


def build_multi_input():
    """The models with several graph inputs (multi_input_zoo): wide & deep and additive on the
    wine split with an alcohol-quartile id, and digits 8x8 plus metadata floats. A CSV row is
    every input's flattened values side by side, in the graph's input order."""
    import multi_input_zoo as mz

    names, Ntr, Ctr, Nte, Cte, ytr, yte, edges = mz.wine_split()
    row = lambda N, C: np.concatenate([N, C.astype(np.float32)[:, None]], 1)  # noqa: E731
    files = write_split("wide_deep", names, row(Ntr, Ctr), row(Nte, Cte), ytr, yte, "label")
    cat_note = (f"wine split of wine_keras3 (StandardScaler on train) as num [N,13], plus cat = "
                f"quartile id 0..3 of the raw alcohol value (training quartiles {[round(e, 4) for e in edges]}); "
                f"CSV row = num then cat")
    entries = []
    seed_everything()
    model = mz.wide_deep()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit([Ntr, Ctr], ytr, epochs=60, batch_size=16, verbose=0)
    pred = model.predict([Nte, Cte], verbose=0)
    kp = keras_pred_csv("wide_deep_wine", pred, [f"class_{i}" for i in range(3)])
    fname = "wide_deep_wine.onnx"
    exporter = export_tf2onnx(model, fname)
    diff = check_ort(fname, {"num": Nte, "cat": Cte[:, None]}, pred)
    metric = {"accuracy": r6(accuracy_score(yte, pred.argmax(1)))}
    entries.append(entry(fname, "softmax 3 classes, wide & deep (num float + cat int32 id through "
                         "an Embedding)", exporter, files, 14, 3, metric, diff, False, kp,
                         {"data": cat_note}))

    seed_everything()
    model = mz.additive()
    model.compile(optimizer=tf.keras.optimizers.Adam(0.01), loss="mse")
    model.fit([Ntr, Ctr], ytr.astype(np.float32), epochs=100, batch_size=16, verbose=0)
    pred = model.predict([Nte, Cte], verbose=0)
    kp = keras_pred_csv("additive_wide", pred, ["class_index"])
    fname = "additive_wide.onnx"
    exporter = export_tf2onnx(model, fname)
    diff = check_ort(fname, {"num": Nte, "cat": Cte[:, None]}, pred)
    metric = {"mse": r6(mean_squared_error(yte, pred[:, 0]))}
    entries.append(entry(fname, "regression of the class index, additive: num . w + b + table[cat] "
                         "(SHAP oracle)", exporter, files, 14, 1, metric, diff, False, kp,
                         {"data": cat_note}))

    Itr, Mtr, ytr, Ite, Mte, yte = mz.digits8_meta()
    seed_everything()
    model = mz.image_meta()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit([Itr.reshape(-1, 8, 8, 1), Mtr], ytr, epochs=20, batch_size=32, verbose=0)
    a, b = mz.IMAGE_TRAIN_ROWS, mz.IMAGE_TEST_ROWS
    meta_names = ["meta_ink", "meta_row_centre", "meta_noise"]
    files = write_split("image_meta", px_names(8, 8) + meta_names,
                        np.concatenate([Itr[:a], Mtr[:a]], 1), np.concatenate([Ite[:b], Mte[:b]], 1),
                        ytr[:a], yte[:b], "label")
    pred = model.predict([Ite[:b].reshape(-1, 8, 8, 1), Mte[:b]], verbose=0)
    kp = keras_pred_csv("image_meta_digits8", pred, [f"class_{i}" for i in range(10)])
    fname = "image_meta_digits8.onnx"
    exporter = export_tf2onnx(model, fname)
    diff = check_ort(fname, {"image": Ite[:b].reshape(-1, 8, 8, 1), "meta": Mte[:b]}, pred)
    metric = {"accuracy": r6(accuracy_score(yte[:b], pred.argmax(1)))}
    entries.append(entry(fname, "softmax 10 classes, image [8,8,1] (CNN) + metadata [3] (Dense)",
                         exporter, files, 67, 10, metric, diff, False, kp,
                         {"data": f"the digits8 split, first {a} train / {b} test rows; CSV row = "
                                  "image (8x8 row-major, /16) then meta: mean ink, ink row centre "
                                  "/ 7, a N(0,1) noise column (4 decimals)"}))
    return entries


# ---------------------------------------------------------------- model (Keras 3 export)
def build_wine_keras3():
    seed_everything()
    names, Xtr, Xte, ytr, yte = standardized(datasets.load_wine, test_size=0.25)
    files = write_split("wine", names, Xtr, Xte, ytr, yte, "label")

    model = keras.Sequential([keras.Input(shape=(13,)),
                              keras.layers.Dense(16, activation="relu"),
                              keras.layers.Dense(3, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(Xtr, ytr, epochs=100, batch_size=16, verbose=0)

    pred = np.asarray(model.predict(Xte, verbose=0))
    kp = keras_pred_csv("wine_keras3", pred, [f"class_{i}" for i in range(3)])
    fname = "wine_keras3.onnx"
    model.export(os.path.join(OUT, fname), format="onnx", verbose=False)
    import tf2onnx

    exporter = f"keras {keras.__version__} model.export(format='onnx') (tf2onnx {tf2onnx.__version__})"
    diff = check_ort(fname, Xte, pred)
    metric = {"accuracy": r6(accuracy_score(yte, pred.argmax(1)))}
    return [entry(fname, "softmax 3 classes", exporter, files, 13, 3, metric, diff, False, kp,
                  {"data": "sklearn wine, StandardScaler fit on train"})]


KERAS2_BUILDERS = {
    "ref_dense100": build_ref_dense100,
    "breast_cancer": build_breast_cancer,  # also writes breast_cancer_fixed1.onnx
    "diabetes": build_diabetes,
    "cnn_digits8": build_cnn_digits8,
    "lstm_digits8": build_lstm_digits8,  # also writes gru_digits8.onnx
    "breast_cancer_layernorm": build_breast_cancer_layernorm,
    "breast_cancer_normalization": build_breast_cancer_normalization,
    "resnet_small": lambda: build_image_model("resnet_small"),
    "mobilenet_block": lambda: build_image_model("mobilenet_block"),
    "digits32_cnn": lambda: build_image_model("digits32_cnn"),
    "text_sentiment": build_text_sentiment,
    "series_lstm": build_series_lstm,
    "multi_input": build_multi_input,  # wide_deep_wine, additive_wide, image_meta_digits8
}
KERAS3_BUILDERS = {"wine_keras3": build_wine_keras3}


def merge_manifest(new_entries):
    path = os.path.join(OUT, "zoo.json")
    old = []
    if os.path.exists(path):
        with open(path) as f:
            old = json.load(f)
    by_file = {e["file"]: e for e in old}
    for e in new_entries:
        by_file[e["file"]] = e
    merged = sorted(by_file.values(),
                    key=lambda e: ORDER.index(e["file"]) if e["file"] in ORDER else len(ORDER))
    with open(path, "w") as f:
        json.dump(merged, f, indent=2)
        f.write("\n")
    print(f"wrote {path} ({len(merged)} models)")


def main():
    builders = KERAS3_BUILDERS if KERAS3 else KERAS2_BUILDERS
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", nargs="*", choices=sorted(builders),
                    help="subset of the models this environment can build")
    args = ap.parse_args()
    print(f"python {sys.version.split()[0]}, tensorflow {tf.__version__}, keras {keras.__version__}, "
          f"onnx {onnx.__version__}, onnxruntime {ort.__version__}, numpy {np.__version__}, "
          f"scikit-learn {sklearn.__version__}")
    configure_tf()
    entries = []
    for name in (args.only or builders):
        print(f"== {name}")
        entries.extend(builders[name]())
    merge_manifest(entries)


if __name__ == "__main__":
    main()
