"""Image models of the zoo (Keras 2 / tf2onnx environment): the digits32 data set and three CNNs.

* ``digits32``: sklearn digits (8x8, /16) bilinear-upsampled to 32x32, grey replicated to three
  channels, rounded to 3 decimals; rows are NHWC images flattened row-major.
* ``resnet_small``: ``keras.applications.ResNet``'s own builder (stem, ``stack1``/``block1``
  bottleneck blocks with strided 1x1 shortcut convolutions, BatchNorm, Add) with three short stacks.
* ``mobilenet_block``: MobileNetV2's stem and head around its own ``_inverted_res_block`` (expand
  1x1, DepthwiseConv2D, BatchNorm, ReLU6, project 1x1, residual Add).
* ``digits32_cnn``: a plain conv / BatchNorm / max-pool classifier, trained to high accuracy.

All three are trained on the digits32 training split (the first two only briefly: they exist to
test the architectures, not to be accurate). Used by ``export_keras.py``.
"""
import numpy as np
import tensorflow as tf
from keras.src.applications import mobilenet_v2, resnet
from keras.src.layers import VersionAwareLayers
from scipy.ndimage import zoom
from sklearn import datasets
from sklearn.model_selection import train_test_split

SIDE = 32
CHANNELS = 3
SHAPE = (SIDE, SIDE, CHANNELS)
# Rows per class written to the committed CSVs (the full splits are regenerated here).
TEST_PER_CLASS = 20
TRAIN_PER_CLASS = 10

L = tf.keras.layers


def column_names():
    """``px_<row>_<col>_<channel>``, NHWC row-major order."""
    return [f"px_{r}_{c}_{k}" for r in range(SIDE) for c in range(SIDE) for k in range(CHANNELS)]


def digits32():
    """Full stratified split (``random_state=0``, test 0.2) of digits32: X as [N, 32, 32, 3]."""
    d = datasets.load_digits()
    grey = d.images.astype(np.float64) / 16.0
    big = np.stack([zoom(im, SIDE / 8, order=1, mode="nearest", grid_mode=True) for im in grey])
    assert big.shape[1:] == (SIDE, SIDE), big.shape
    rgb = np.repeat(np.clip(big, 0.0, 1.0)[..., None], CHANNELS, axis=-1)
    X = np.round(rgb, 3).astype(np.float32)
    return train_test_split(X, d.target, test_size=0.2, stratify=d.target, random_state=0)


def per_class(y, n):
    """Indices of the first ``n`` rows of each class, in their original order."""
    keep = np.concatenate([np.flatnonzero(y == c)[:n] for c in np.unique(y)])
    return np.sort(keep)


def fit(model, Xtr, ytr, epochs):
    """Adam, sparse cross-entropy, batch 32, shuffled with the global seed."""
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(Xtr, ytr, epochs=epochs, batch_size=32, verbose=0)
    return model


def resnet_small():
    """keras.applications.ResNet with stacks conv2 (8 filters, 2 blocks, stride 1), conv3 (16, 2,
    stride 2) and conv4 (32, 2, stride 2): ResNet50's first three stages, shorter and narrower."""

    def stacks(x):
        x = resnet.stack1(x, 8, 2, stride1=1, name="conv2")
        x = resnet.stack1(x, 16, 2, name="conv3")
        return resnet.stack1(x, 32, 2, name="conv4")

    return resnet.ResNet(stacks, False, True, "resnet_small", include_top=True, weights=None,
                         input_shape=SHAPE, classes=10)


def mobilenet_block():
    """MobileNetV2's stem (3x3/2 conv, BN, ReLU6), five of its inverted-residual blocks (two with
    the residual Add, two strided), its 1x1 head conv, average pooling and a softmax."""
    # MobileNetV2() sets the module's layer namespace before building its blocks; so do we.
    mobilenet_v2.layers = VersionAwareLayers()
    inp = L.Input(SHAPE)
    x = L.Conv2D(16, 3, strides=2, padding="same", use_bias=False, name="Conv1")(inp)
    x = L.BatchNormalization(epsilon=1e-3, momentum=0.999, name="bn_Conv1")(x)
    x = L.ReLU(6.0, name="Conv1_relu")(x)
    for block_id, (expansion, stride, filters) in enumerate(
            [(1, 1, 8), (6, 2, 16), (6, 1, 16), (6, 2, 24), (6, 1, 24)]):
        x = mobilenet_v2._inverted_res_block(x, expansion, stride, 1.0, filters, block_id)
    x = L.Conv2D(64, 1, use_bias=False, name="Conv_1")(x)
    x = L.BatchNormalization(epsilon=1e-3, momentum=0.999, name="Conv_1_bn")(x)
    x = L.ReLU(6.0, name="out_relu")(x)
    x = L.GlobalAveragePooling2D()(x)
    out = L.Dense(10, activation="softmax", name="predictions")(x)
    model = tf.keras.Model(inp, out, name="mobilenet_block")
    # MobileNetV2's BatchNorm momentum (0.999) is meant for ImageNet-length training: with it, a
    # few epochs leave the moving statistics at their initial values. Only training changes.
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            layer.momentum = 0.9
    return model


def digits32_cnn():
    """Three conv (3x3, ReLU) stages with BatchNorm and 2x2 max-pooling, then a softmax layer."""
    return tf.keras.Sequential([
        L.Input(SHAPE),
        L.Conv2D(16, 3, padding="same", activation="relu"),
        L.BatchNormalization(),
        L.MaxPool2D(2),
        L.Conv2D(32, 3, padding="same", activation="relu"),
        L.BatchNormalization(),
        L.MaxPool2D(2),
        L.Conv2D(32, 3, padding="same", activation="relu"),
        L.MaxPool2D(2),
        L.Flatten(),
        L.Dropout(0.2),
        L.Dense(10, activation="softmax"),
    ], name="digits32_cnn")


# name -> (architecture, training epochs, one-line description for zoo.json)
MODELS = {
    "resnet_small": (resnet_small, 8, "keras.applications.ResNet builder, stacks conv2-conv4 "
                     "(stack1/block1: bottleneck blocks, strided 1x1 shortcut convs, BatchNorm, Add)"),
    "mobilenet_block": (mobilenet_block, 8, "MobileNetV2 stem, 5 _inverted_res_block blocks "
                        "(expand 1x1, DepthwiseConv2D, BatchNorm, ReLU6, project 1x1, residual Add)"),
    "digits32_cnn": (digits32_cnn, 25, "Conv16-BN-MaxPool, Conv32-BN-MaxPool, Conv32-MaxPool, "
                     "Flatten, Dropout 0.2, Dense 10 softmax"),
}
