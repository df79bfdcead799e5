"""The per-family raw-op tables, merged; and why each TF raw op tapegrad lacks is absent."""

from __future__ import annotations

import importlib

from ._table import Impl

FAMILIES = ("math_ops", "array_ops", "nn_ops", "linalg_ops", "random_ops", "image_ops", "string_ops", "state_ops",
            "special_ops")

# Why a TF raw op is absent, by name prefix (first match wins); the rest are "not implemented yet".
ABSENT_REASONS: tuple[tuple[tuple[str, ...], str], ...] = (
    (("BatchCholesky", "BatchFFT", "BatchIFFT", "BatchMatrix", "BatchSelfAdjointEig", "BatchSvd",
      "BatchNormWithGlobalNormalization", "SelfAdjointEig", "Conv3DBackpropInput", "Conv3DBackpropFilter",
      "AccumulateNV2", "SegmentSumV2", "SegmentMaxV2", "SegmentMinV2", "SegmentProdV2", "TopK", "FFTND", "IFFTND",
      "RFFTND", "IRFFTND", "MatrixExponential", "RandomPoisson"),
     "TF 2.21 has no CPU kernel for it (deprecated op or GPU/XLA-only: an eager call raises UnimplementedError or "
     "NotFoundError); use the newer version (e.g. MatrixInverse, SelfAdjointEigV2, Conv3DBackpropInputV2, TopKV2)"),
    (("TPU", "Tpu", "_Tpu", "XlaS", "Xla", "Infeed", "Outfeed", "ConfigureDistributedTPU", "ConfigureTPU",
      "ShutdownDistributedTPU", "IsTPU", "Prelinearize", "DynamicEnqueueTPU", "EnqueueTPU", "RecvTPU", "SendTPU",
      "LoadTPU", "RetrieveTPU", "ConvertToCooTensor", "ConvertToListOfSparseCore", "ConvertToSparseCore",
      "GetMinibatch", "GetStatsFromListOfSparseCore", "SortListOfSparseCore", "StoreMinibatch", "AllToAll",
      "CollectivePermute", "CrossReplicaSum", "Nccl", "Collective", "GlobalIterId", "WorkerHeartbeat"),
     "TPU / XLA / collective-device op: no such device in tapegrad"),
    (("Dataset", "Iterator", "MultiDevice", "MakeIterator", "DeleteIterator", "OneShotIterator", "Optional",
      "WrapDatasetVariant", "UnwrapDatasetVariant", "DeleteMemoryCache", "DummyMemoryCache", "DeleteRandomSeed",
      "DeleteSeedGenerator", "AnonymousSeedGenerator", "AnonymousRandomSeedGenerator", "DummySeedGenerator",
      "RegisterDataset", "DistributedSave", "GetElementAtIndex", "CompressElement", "UncompressElement",
      "FinalizeDataset", "SnapshotChunkDataset", "GetOptions", "StatsAggregator", "ThreadPoolHandle",
      "DataService", "ListSnapshotChunks", "SaveDataset", "LoadDataset", "ComputeBatchSize", "DummyIterationCounter"),
     "tf.data variant/iterator handle: tapegrad.data is a Python pipeline without dataset variants"),
    (("Queue", "FIFOQueue", "PaddingFIFOQueue", "PriorityQueue", "RandomShuffleQueue", "FakeQueue", "Reader",
      "Barrier", "Stage", "Unstage", "MapStage", "MapPeek", "MapUnstage", "MapSize", "MapIncomplete", "MapClear",
      "OrderedMap", "Accumulator", "ConditionalAccumulator", "SparseAccumulator", "SparseConditionalAccumulator",
      "RecordInput"),
     "queue/reader/staging resource: graph-mode input pipelines"),
    (("TensorArray", "TensorList", "EmptyTensorList", "TensorMap", "EmptyTensorMap", "Stack", "Variant",
      "CompositeTensorVariant", "TensorListFromTensor", "ZerosLikeV"),
     "variant handle (TensorArray/TensorList/TensorMap): tapegrad has no variant dtype"),
    (("Mutable", "HashTable", "LookupTable", "InitializeTable", "AnonymousHashTable", "AnonymousMutable"),
     "lookup-table resource handle (use tapegrad.lookup)"),
    (("BoostedTrees", "IsBoostedTrees", "Sdca", "KMC2", "KmeansPlusPlus", "NearestNeighbors", "GenerateVocabRemapping",
      "LoadAndRemapMatrix"),
     "estimator-era training kernel (boosted trees, SDCA, k-means)"),
    (("Quantize", "Quantized", "Dequantize", "Requantize", "RequantizationRange", "UniformQuantize",
      "UniformDequantize", "UniformRequantize", "UniformQuantized", "_MklQuantized", "Mkl", "_Mkl"),
     "quantized-integer kernel (qint8/quint8 dtypes are not tapegrad dtypes)"),
    (("Summary", "WriteSummary", "WriteScalarSummary", "WriteHistogramSummary", "WriteImageSummary",
      "WriteAudioSummary", "WriteGraphSummary", "WriteRawProtoSummary", "CreateSummary", "CloseSummaryWriter",
      "FlushSummaryWriter", "ImportEvent", "ScalarSummary", "HistogramSummary", "ImageSummary", "AudioSummary",
      "TensorSummary", "MergeSummary"),
     "summary-writer resource / Summary proto op (use tapegrad.summary)"),
    (("Enter", "Exit", "Merge", "Switch", "NextIteration", "LoopCond", "RefEnter", "RefExit", "RefMerge",
      "RefSwitch", "RefNextIteration", "RefSelect", "RefIdentity", "ControlTrigger", "Abort", "If", "While", "Case",
      "StatelessIf", "StatelessWhile", "StatelessCase", "For", "PartitionedCall", "StatefulPartitionedCall",
      "RemoteCall", "SymbolicGradient", "FakeParam", "Placeholder", "PlaceholderV2", "PlaceholderWithDefault",
      "_", "Send", "Recv", "Copy", "CopyHost", "DebugIdentity", "DebugNanCount", "DebugNumericSummary",
      "DeviceIndex", "SyncDevice", "CheckPinned", "EagerPyFunc", "PyFunc", "PyFuncStateless", "TemporaryVariable",
      "DestroyTemporaryVariable", "Variable", "VariableV2", "IsVariableInitialized", "Assign", "AssignAdd",
      "AssignSub", "CountUpTo", "ScatterAdd", "ScatterSub", "ScatterMul", "ScatterDiv", "ScatterMin", "ScatterMax",
      "ScatterUpdate", "ScatterNdAdd", "ScatterNdSub", "ScatterNdMax", "ScatterNdMin", "ScatterNdUpdate",
      "StridedSliceAssign", "Apply", "SparseApply", "ImmutableConst", "GetSessionHandle", "GetSessionTensor",
      "DeleteSessionTensor"),
     "graph-only op: v1 control flow/ref variables/function-call/placeholder/device-transfer (no graph in eager)"),
    (("VarHandleOp", "DestroyResourceOp", "VarIsInitializedOp", "DisableCopyOnRead", "MutexV2", "MutexLock",
      "ConsumeMutexLock", "Resource", "AnonymousHashTable", "Stateful", "RngSkip", "RngReadAndSkip",
      "NonDeterministicInts"),
     "resource-handle op (a raw handle tapegrad does not expose; ResourceApply*/Resource* taking a Variable are "
     "implemented where listed)"),
    (("Sparse", "CSR", "DenseToCSR", "AddSparseToTensorsMap", "AddManySparseToTensorsMap", "TakeManySparse",
      "DeserializeSparse", "DeserializeManySparse", "SerializeSparse", "SerializeManySparse", "DenseToSparse",
      "DenseToDenseSetOperation", "SetSize", "DenseCountSparseOutput", "RaggedCountSparseOutput",
      "SparseCountSparseOutput"),
     "sparse-tensor component op (use tapegrad.sparse / tapegrad.sets)"),
    (("Ragged",), "ragged component/variant op (use tapegrad.ragged)"),
    (("Cudnn", "BlockLSTM", "LSTMBlockCell", "GRUBlockCell", "FusedBatchNorm", "FusedPadConv2D",
      "FusedResizeAndPadConv2D", "_Fused"),
     "fused recurrent/normalization kernel with a reserve-space output layout (use keras.layers)"),
    (("Save", "Restore", "MergeV2Checkpoints", "ShardedFilename", "ShardedFilespec", "MatchingFiles", "ReadFile",
      "WriteFile", "FileSystemSetConfiguration", "Fingerprint", "ParseExample", "ParseSingleExample",
      "ParseSequenceExample", "ParseSingleSequenceExample", "ParseTensor", "SerializeTensor", "DecodeProtoV2",
      "EncodeProto", "DecodeCSV", "DecodeCompressed", "DecodeRaw", "DecodePaddedRaw", "DecodeJSONExample",
      "DecodeWav", "EncodeWav", "DecodeBase64", "EncodeBase64", "DecodeJpeg", "EncodeJpeg", "DecodePng",
      "EncodePng", "DecodeGif", "DecodeBmp", "DecodeImage", "DecodeAndCropJpeg", "EncodeJpegVariableQuality",
      "ExtractJpegShape", "Print", "PrintV2", "Timestamp", "Assert"),
     "I/O, serialization, checkpoint or printing op: not in this raw-op table yet (the tapegrad.io functions "
     "implement them)"),
)


_SUFFIXES = (("Dataset", "DatasetV2", "DatasetV3", "DatasetV4", "DatasetReader", "Iterator", "IteratorV2",
              "IteratorV3", "IteratorGetDevice", "DatasetCardinality", "DatasetToTFRecord", "MemoryCache",
              "MapDefun", "Batch", "BatchFunction", "Unbatch", "UnbatchGrad", "WindowOp"),
             ("Reader", "ReaderV2"))


def _reason(start: str) -> str:
    return next(reason for _, reason in ABSENT_REASONS if reason.startswith(start))


def absent_reason(name: str) -> str:
    for prefixes, reason in ABSENT_REASONS:
        if name.startswith(prefixes):
            return reason
    if name.endswith(_SUFFIXES[0]) or name.startswith("Experimental"):
        return _reason("tf.data")
    if name.endswith(_SUFFIXES[1]):
        return _reason("queue/reader")
    return "not implemented in tapegrad's raw-op table"


def implementations() -> dict[str, Impl]:
    out: dict[str, Impl] = {}
    for family in FAMILIES:
        try:
            mod = importlib.import_module(f"{__package__}.{family}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__package__}.{family}":
                raise
            continue
        for name, impl in mod.OPS.items():
            if name in out:
                raise RuntimeError(f"raw op {name} is defined by two families")
            impl.family = family  # type: ignore[attr-defined]
            out[name] = impl
    return out
