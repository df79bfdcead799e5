"""Implementation of ``tapegrad.io`` beyond the op tables: TFRecord files, ``tf.train.Example`` parsing, tensor
protos, CSV, raw bytes, PNG and ``gfile``. Each module is imported on first use of one of its names."""
