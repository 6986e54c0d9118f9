#!/usr/bin/env python3
"""Export Keras application CNNs with random weights to ONNX, for engine benchmarks.

MobileNetV2 (96x96x3), EfficientNetB0 (64x64x3) and ResNet50 (64x64x3), ``weights=None`` (seeded random
initialisation: no download), 10 classes, NHWC input with a symbolic batch, tf2onnx opset 13.
For each model it also writes ``<stem>_x32.npy`` (32 seeded uniform [0, 1) rows, float32, flat
NHWC) and ``<stem>_keras_pred32.csv`` (Keras' predictions on them), and checks onnxruntime
against Keras.

Uses the Keras 2 / tf2onnx environment of models/export_keras.py:
    python3 -m venv /work/venvs/zoo && /work/venvs/zoo/bin/pip install -r models/requirements.txt
    /work/venvs/zoo/bin/python benches/export_applications.py --out-dir target/app_models
The files are large (10-20 MB) and reproducible, so they are not committed.
"""
import argparse
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
import tf2onnx  # noqa: E402
import onnxruntime as ort  # noqa: E402

MODELS = {
    "mobilenetv2_96": (tf.keras.applications.MobileNetV2, (96, 96, 3)),
    "efficientnetb0_64": (tf.keras.applications.EfficientNetB0, (64, 64, 3)),
    "resnet50_64": (tf.keras.applications.ResNet50, (64, 64, 3)),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out-dir", default="target/app_models")
    ap.add_argument("--only", default=",".join(MODELS))
    args = ap.parse_args()
    os.makedirs(args.out_dir, exist_ok=True)
    tf.config.threading.set_intra_op_parallelism_threads(1)
    tf.config.threading.set_inter_op_parallelism_threads(1)
    for stem in args.only.split(","):
        build, shape = MODELS[stem]
        tf.keras.utils.set_random_seed(0)
        model = build(input_shape=shape, weights=None, classes=10)
        spec = (tf.TensorSpec((None, *shape), tf.float32, name="input"),)
        path = os.path.join(args.out_dir, f"{stem}.onnx")
        tf2onnx.convert.from_keras(model, input_signature=spec, opset=13, output_path=path)
        x = np.random.default_rng(0).random((32, *shape), dtype=np.float32)
        pred = model.predict(x, verbose=0)
        np.save(os.path.join(args.out_dir, f"{stem}_x32.npy"), x.reshape(32, -1))
        header = ",".join(f"p{j}" for j in range(pred.shape[1]))
        np.savetxt(os.path.join(args.out_dir, f"{stem}_keras_pred32.csv"), pred, fmt="%.9g",
                   delimiter=",", header=header, comments="")
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        got = sess.run(None, {sess.get_inputs()[0].name: x})[0]
        print(f"{path}: {model.count_params()} parameters, max |onnxruntime - keras| = "
              f"{np.abs(got - pred).max():.2e}")


if __name__ == "__main__":
    main()
