"""``keras.datasets``: Keras's loaders for MNIST, Fashion-MNIST, CIFAR-10/100, IMDB, Reuters, Boston and
California housing, reading Keras's own cache files.

tapegrad never downloads: each loader looks for Keras's file under ``$KERAS_HOME/datasets`` (default
``~/.keras/datasets``) with Keras's file name and format — what ``keras.datasets.*.load_data()`` leaves there,
or a file fetched by hand from the URL in the error — and checks Keras's published hash. A missing or
mismatching file raises ``ConnectionError`` naming the URL and the path to put the file at. Splits, shuffles
(``seed``), ``num_words``/``skip_top``/``maxlen``/``start_char``/``oov_char``/``index_from`` and the returned
dtypes and shapes are Keras 3.15's.

>>> from tapegrad import keras
>>> keras.datasets.__all__
['boston_housing', 'california_housing', 'cifar10', 'cifar100', 'fashion_mnist', 'imdb', 'mnist', 'reuters']
"""

from __future__ import annotations

from . import boston_housing, california_housing, cifar10, cifar100, fashion_mnist, imdb, mnist, reuters

__all__ = ["boston_housing", "california_housing", "cifar10", "cifar100", "fashion_mnist", "imdb", "mnist",
           "reuters"]
