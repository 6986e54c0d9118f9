"""Type stubs of onnx_inspector (the package's public API)."""

import os
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

import numpy as np

__version__: str

TableLike = Any  # numpy array, pandas DataFrame, pyarrow Table or RecordBatch; for a model with
# several inputs also a dict {input name: array}, flattened in the graph's input order
PathLike = Union[str, os.PathLike]

class ModelError(Exception):
    """The ONNX model cannot be read, parsed or run, or its output is not finite."""

class DataError(Exception):
    """Rows, background or training data that the model cannot take (width, names, dtype, NaN/inf)."""

class Model:
    """An ONNX model loaded for explaining."""

    path: str
    engine: str
    def __init__(
        self, path: PathLike, engine: str = "auto", output_names: Optional[Sequence[str]] = None
    ) -> None: ...
    @property
    def input_names(self) -> List[str]:
        """Names of the graph's inputs."""
    @property
    def input_layout(self) -> List[Tuple[str, str, List[int], int, int]]:
        """Each graph input as (name, dtype, shape, first column, end column)."""
    @property
    def output_names(self) -> List[str]:
        """Names of the output columns, one per output value of a row."""
    @property
    def n_features(self) -> int:
        """Width of one flattened input row."""
    def info(self) -> Dict[str, Any]:
        """What the file declares and how it runs (`engine`: the engine in use)."""
    def predict(self, X: TableLike) -> np.ndarray:
        """Model outputs [n, K] for rows X."""

class Explanation:
    """Attributions for rows (the result when shap is not installed)."""

    values: np.ndarray
    base_values: np.ndarray
    predictions: np.ndarray
    data: np.ndarray
    error_std: Optional[np.ndarray]
    feature_names: List[str]
    output_names: List[str]
    row_indices: np.ndarray
    method: str
    meta: Dict[str, Any]
    def __len__(self) -> int: ...
    def to_pandas(self) -> Any:
        """One row per (row, output) with the CLI's Parquet columns."""
    def to_arrow(self) -> Any:
        """One row per (row, output) with the CLI's Parquet columns, as a pyarrow Table."""

def explain(
    model: Union[Model, PathLike],
    X: TableLike,
    background: Union[None, int, TableLike] = None,
    method: str = "auto",
    samples: Optional[int] = None,
    seed: int = 0,
    threads: int = 0,
    labels: Optional[Sequence[Union[str, int]]] = None,
    feature_names: Optional[Sequence[str]] = None,
    groups: Union[None, PathLike, Mapping[str, Sequence[Union[str, int]]]] = None,
    patch: Optional[int] = None,
    mask: str = "background",
    tolerance: Optional[float] = None,
    progress: Union[bool, Callable[[int, int], None]] = False,
    train: Optional[TableLike] = None,
    result: str = "auto",
    **options: Any,
) -> Any:
    """Explains the rows of X; a shap.Explanation when shap imports, else an Explanation."""

def explain_batches(
    model: Union[Model, PathLike],
    batches: Iterable[Any],
    features: Optional[Sequence[str]] = None,
    id_col: Optional[str] = None,
    background: Optional[TableLike] = None,
    train: Optional[TableLike] = None,
    method: str = "auto",
    seed: int = 0,
    first_row: int = 0,
    **options: Any,
) -> Iterator[Any]:
    """Arrow RecordBatches in, RecordBatches with the CLI's Parquet columns out."""
