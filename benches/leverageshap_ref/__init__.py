"""Leverage SHAP estimator, verbatim from rtealwitter/leverageshap@a20d3d7 (MIT, LICENSE.txt)."""
