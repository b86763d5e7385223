"""Keras 3 models of the zoo, built from one parametric definition.

Every model is a functional :class:`keras.Model` made only of built-in Keras
layers, so a saved ``.keras`` file opens with plain ``keras.models.load_model``
on TensorFlow, JAX and PyTorch, with no ``custom_objects``.

Layer names are stable and are how the interpretation tools find things:

======================  ====================================================
``sequence``            the input, shape ``(input_length, 4)``, channels A, C, G, T
``conv{i}``             the i-th Conv1D (``conv1`` is the first layer)
``conv{i}_bn``          its BatchNormalization
``conv{i}_{function}``  its activation, named after the function (``conv1_relu``,
                        ``conv1_exponential``, ``conv1_tanh``): the feature map a
                        filter "scans" out, always the layer right after ``conv{i}_bn``
``conv{i}_pool``        its MaxPooling1D (absent when the pool is 1)
``conv{i}_dropout``     its Dropout
``flatten``             Flatten
``dense``               the hidden Dense layer (``dense_bn`` in the released flavor)
``dense_relu``          its activation
``dense_dropout``       its Dropout
``output``              Dense with a sigmoid per class
======================  ====================================================

ReLU blocks keep the name ``conv{i}_relu`` that every checkpoint saved so far uses;
:func:`feature_map_name` finds a block's activation whatever its function.
"""

from __future__ import annotations

from deepmotif_arch.base.errors import DeepMotifError, InvalidArchitectureError, is_out_of_memory
from deepmotif_arch.base.sequence import ALPHABET
from deepmotif_arch.zoo.architectures import ArchSpec, get_spec, layer_geometry

__all__ = ["build_model", "build_or_refuse", "get_model", "conv_layer_names",
           "activation_layer_names",
           "activation_layer_name", "feature_map_name"]


def build_model(
    spec: ArchSpec,
    input_length: int = 200,
    num_classes: int = 12,
    name: str | None = None,
):
    """Build the Keras model of an architecture.

    Parameters
    ----------
    spec : ArchSpec
        The architecture (see :func:`deepmotif_arch.get_spec`).
    input_length : int, default 200
        Sequence length L; the input has shape ``(L, 4)``. 200 for the synthetic
        set, 1000 for the in vivo set; any length every pool window fits into.
    num_classes : int, default 12
        Number of sigmoid outputs.
    name : str, optional
        Keras model name; defaults to ``spec.name``.

    Returns
    -------
    keras.Model
        Uncompiled; inputs ``(batch, L, 4)`` float, outputs ``(batch, num_classes)``
        probabilities.
    """
    import keras
    from keras import layers

    layer_geometry(spec, input_length)  # validates the length with a clear message
    if isinstance(num_classes, bool) or not isinstance(num_classes, int) or num_classes < 1:
        raise InvalidArchitectureError(
            f"num_classes is {num_classes!r}; it must be a positive integer such as 12."
        )

    def regulariser():
        return keras.regularizers.L2(spec.l2) if spec.l2 else None

    inputs = keras.Input(shape=(input_length, len(ALPHABET)), name="sequence")
    x = inputs
    for i, block in enumerate(spec.blocks, start=1):
        x = layers.Conv1D(
            block.filters,
            block.kernel,
            padding=block.padding,
            use_bias=False,  # BatchNorm's offset takes the bias's place
            kernel_initializer=spec.kernel_initializer,
            kernel_regularizer=regulariser(),
            name=f"conv{i}",
        )(x)
        x = layers.BatchNormalization(name=f"conv{i}_bn")(x)
        x = layers.Activation(block.activation, name=activation_layer_name(i, block.activation))(x)
        if block.has_pool:
            x = layers.MaxPooling1D(
                pool_size=block.pool, strides=block.stride, padding="same", name=f"conv{i}_pool"
            )(x)
        rate = spec.conv_dropout if block.dropout is None else block.dropout
        x = layers.Dropout(rate, seed=_dropout_seed(), name=f"conv{i}_dropout")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(
        spec.dense_units,
        use_bias=not spec.dense_batchnorm,
        kernel_initializer=spec.kernel_initializer,
        kernel_regularizer=regulariser(),
        name="dense",
    )(x)
    if spec.dense_batchnorm:
        x = layers.BatchNormalization(name="dense_bn")(x)
    x = layers.Activation("relu", name="dense_relu")(x)
    x = layers.Dropout(spec.dense_dropout, seed=_dropout_seed(), name="dense_dropout")(x)
    policy = keras.config.dtype_policy()
    outputs = layers.Dense(
        num_classes,
        activation="sigmoid",
        kernel_initializer=spec.kernel_initializer,
        kernel_regularizer=regulariser(),
        # Under mixed precision the probabilities stay float32 (Keras's advice).
        dtype="float32" if policy.compute_dtype != policy.variable_dtype else None,
        name="output",
    )(x)
    return keras.Model(inputs, outputs, name=name or spec.name)


def _dropout_seed() -> int:
    """A seed for one Dropout layer, drawn from NumPy's global generator.

    Seeded Dropout layers draw their masks from their own SeedGenerator on every
    backend (unseeded ones on PyTorch use torch's global generator, which data loading
    also consumes), so ``keras.utils.set_random_seed`` before building, and the
    trainer's per-epoch seeding, make the masks reproducible.
    """
    import numpy as np

    return int(np.random.randint(0, 2**31 - 1))


def get_model(
    name: str | ArchSpec,
    input_length: int = 200,
    num_classes: int = 12,
    *,
    flavor: str = "released",
    **overrides,
):
    """Build a zoo model by name, optionally as a custom variant.

    Parameters
    ----------
    name : str or ArchSpec
        Canonical name, paper label or released-code name (``"cnn-25"``,
        ``"CNN-25 (60)"``, ``"cnn_2_1"``), or a spec.
    input_length, num_classes
        As in :func:`build_model`.
    flavor : {"released", "paper"}, default "released"
        The authors' released code (the default) or the paper's text; see
        :func:`deepmotif_arch.get_spec`.
    **overrides
        Passed to :meth:`ArchSpec.derive`: ``filters``, ``kernels``, ``pools``,
        ``pool_strides``, ``activation`` (the first layer's), ``dense_units``,
        ``dense_batchnorm``, ``conv_dropout``, ``dense_dropout``, ``l2``, ``name``.

    Examples
    --------
    >>> model = get_model("cnn-25")                       # doctest: +SKIP
    >>> wide = get_model("cnn-25", filters=[64, 128])     # doctest: +SKIP
    >>> invivo = get_model("CNN-25", input_length=1000)   # doctest: +SKIP
    >>> exp = get_model("cnn-2-exp")                      # doctest: +SKIP
    >>> same = get_model("cnn-2", activation="exponential")  # doctest: +SKIP
    """
    spec = get_spec(name, flavor=flavor)
    if overrides:
        spec = spec.derive(**overrides)
    return build_model(spec, input_length=input_length, num_classes=num_classes)


def conv_layer_names(model) -> list[str]:
    """Names of the convolution layers of a zoo model, first layer first."""
    return [layer.name for layer in model.layers if _is_conv_name(layer.name)]


def activation_layer_name(index: int, activation: str) -> str:
    """The name :func:`build_model` gives block ``index``'s activation: ``conv1_relu``,
    ``conv1_exponential``, ..."""
    return f"conv{index}_{activation}"


def feature_map_name(model, conv: str) -> str | None:
    """The activation layer of convolution ``conv`` (``"conv1"``) of a zoo model: the
    layer right after ``{conv}_bn`` whatever its function, else ``{conv}_relu``; None
    when the model has neither."""
    import keras

    names = [layer.name for layer in model.layers]
    bn = f"{conv}_bn"
    if bn in names and names.index(bn) + 1 < len(names):
        after = model.layers[names.index(bn) + 1]
        if isinstance(after, (keras.layers.Activation, keras.layers.ReLU)):
            return after.name
    return f"{conv}_relu" if f"{conv}_relu" in names else None


def activation_layer_names(model) -> list[str]:
    """Names of the activation layers (the feature maps) of each convolution block,
    first layer first."""
    names = (feature_map_name(model, name) for name in conv_layer_names(model))
    return [name for name in names if name is not None]


def _is_conv_name(name: str) -> bool:
    return name.startswith("conv") and name[4:].isdigit()


def build_or_refuse(spec: ArchSpec, input_length: int = 200, num_classes: int = 12, *,
                    error: type[DeepMotifError] = InvalidArchitectureError):
    """:func:`build_model`, with an architecture too large for memory as one ``error``.

    The sentence names the parameter count and what to shrink; every other failure
    passes through unchanged.
    """
    from deepmotif_arch.zoo.architectures import count_parameters

    try:
        return build_model(spec, input_length=input_length, num_classes=num_classes)
    except DeepMotifError:
        raise
    except Exception as exc:
        if not is_out_of_memory(exc):
            raise
        total = count_parameters(spec, input_length, num_classes)["total"]
        raise error(f"{spec.name} has {total:,} parameters, more than this machine can "
                    "allocate; give smaller --filters or --dense-units.") from None
