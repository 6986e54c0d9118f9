"""Models of the zoo with several graph inputs (Keras 2 / tf2onnx environment).

A data row of such a model is every input's flattened values side by side, in the graph's input
order; the CSVs hold exactly that (the model's columns first, then the next input's).

* ``wide_deep_wine``: wine (StandardScaler, the wine split) as ``num`` float [N,13] plus ``cat``
  int32 [N,1], a category id derived from the raw alcohol value (its training quartile, 0..3)
  through an ``Embedding(4, 3)``; wide (linear on ``num``) + deep (Dense on num and the
  embedding), softmax over 3 classes.
* ``image_meta_digits8``: digits 8x8x1 (``image``, NHWC) through a small CNN plus ``meta`` float
  [N,3] (the image's mean ink, its ink row centre and a noise column) through a Dense; softmax
  over 10 classes.
* ``additive_wide``: an additive model with a closed-form SHAP value: ``y = num . w + b +
  table[cat]`` (Dense(1) on ``num`` plus ``Embedding(4, 1)`` on ``cat``), trained on the wine
  data to predict the class index; the test reads its weights from the ONNX file.

Used by ``export_keras.py``.
"""
import numpy as np
import tensorflow as tf
from sklearn import datasets
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

L = tf.keras.layers
N_BINS = 4
# Rows written to the committed image+metadata CSVs (KBs, not the whole split).
IMAGE_TEST_ROWS = 100
IMAGE_TRAIN_ROWS = 200


def wine_split():
    """The wine split of the zoo (test_size 0.25, stratified, random_state 0): standardized
    features, the alcohol quartile id (training quartiles of the raw value) and the labels."""
    d = datasets.load_wine()
    Xtr, Xte, ytr, yte = train_test_split(d.data, d.target, test_size=0.25, stratify=d.target,
                                          random_state=0)
    edges = np.quantile(Xtr[:, 0], [0.25, 0.5, 0.75])
    cat = lambda X: np.searchsorted(edges, X[:, 0], side="right").astype(np.int32)  # noqa: E731
    sc = StandardScaler().fit(Xtr)
    names = list(d.feature_names) + ["alcohol_bin"]
    return (names, sc.transform(Xtr).astype(np.float32), cat(Xtr), sc.transform(Xte).astype(np.float32),
            cat(Xte), ytr, yte, [float(e) for e in edges])


def wide_deep():
    num = L.Input(shape=(13,), name="num")
    cat = L.Input(shape=(1,), dtype="int32", name="cat")
    emb = L.Flatten()(L.Embedding(N_BINS, 3)(cat))
    deep = L.Dense(16, activation="relu")(L.Concatenate()([num, emb]))
    wide = L.Dense(3)(num)
    out = L.Activation("softmax")(L.Add()([L.Dense(3)(deep), wide]))
    return tf.keras.Model([num, cat], out)


def additive():
    num = L.Input(shape=(13,), name="num")
    cat = L.Input(shape=(1,), dtype="int32", name="cat")
    lookup = L.Flatten()(L.Embedding(N_BINS, 1)(cat))
    out = L.Add()([L.Dense(1)(num), lookup])
    return tf.keras.Model([num, cat], out)


def digits8_meta():
    """digits 8x8 /16 (the zoo's digits8 split) with 3 metadata floats per image; the first
    IMAGE_*_ROWS rows of each split."""
    d = datasets.load_digits()
    X = (d.images.astype(np.float32) / np.float32(16.0)).reshape(len(d.images), 64)
    Xtr, Xte, ytr, yte = train_test_split(X, d.target, test_size=0.2, stratify=d.target,
                                          random_state=0)
    rng = np.random.default_rng(0)

    def meta(X):
        ink = X.sum(1)
        rows = X.reshape(-1, 8, 8).sum(2)
        centre = (rows * np.arange(8)).sum(1) / np.maximum(ink, 1e-6)
        noise = rng.normal(size=len(X))
        return np.round(np.stack([ink / 64, centre / 7, noise], 1), 4).astype(np.float32)

    return Xtr, meta(Xtr), ytr, Xte, meta(Xte), yte


def image_meta():
    image = L.Input(shape=(8, 8, 1), name="image")
    meta = L.Input(shape=(3,), name="meta")
    x = L.MaxPool2D(2)(L.Conv2D(8, 3, activation="relu", padding="same")(image))
    x = L.Flatten()(x)
    m = L.Dense(4, activation="relu")(meta)
    out = L.Dense(10, activation="softmax")(L.Concatenate()([x, m]))
    return tf.keras.Model([image, meta], out)
