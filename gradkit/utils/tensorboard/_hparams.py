"""The three summaries of TensorBoard's hparams plugin (experiment, session start and end), with
PyTorch's ``hparam_domain_discrete`` (the values a hyperparameter can take)."""

from __future__ import annotations

from numbers import Number


def _value(v):
    from google.protobuf.struct_pb2 import Value

    if isinstance(v, bool):
        return Value(bool_value=v)
    if isinstance(v, str):
        return Value(string_value=v)
    return Value(number_value=float(v))


def hparams(hparam_dict: dict, metric_dict: dict, hparam_domain_discrete=None):
    from google.protobuf.struct_pb2 import ListValue
    from tensorboardX.proto.api_pb2 import (
        DataType,
        Experiment,
        HParamInfo,
        MetricInfo,
        MetricName,
        Status,
    )
    from tensorboardX.proto.plugin_hparams_pb2 import (
        HParamsPluginData,
        SessionEndInfo,
        SessionStartInfo,
    )
    from tensorboardX.proto.summary_pb2 import Summary, SummaryMetadata

    domains = hparam_domain_discrete or {}
    if not isinstance(domains, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, "
                        f"got {type(domains).__name__}")
    for k, values in domains.items():
        if k not in hparam_dict:
            raise ValueError(f"add_hparams: hparam_domain_discrete names {k!r}, which is not in "
                             f"hparam_dict")
        if not isinstance(values, list) or not values:
            raise TypeError(f"parameter: hparam_domain_discrete[{k}] should be a non-empty list")
        kind = bool if isinstance(hparam_dict[k], bool) else (
            str if isinstance(hparam_dict[k], str) else Number)
        if not all(isinstance(v, kind) and (kind is not Number or not isinstance(v, bool))
                   for v in values):
            raise TypeError(f"parameter: hparam_domain_discrete[{k}] should be a list of the "
                            f"same type as hparam_dict[{k}] ({type(hparam_dict[k]).__name__})")

    infos = []
    ssi = SessionStartInfo()
    for k, v in hparam_dict.items():
        if v is None:
            continue
        if isinstance(v, bool):
            ssi.hparams[k].bool_value = v
            dtype = "DATA_TYPE_BOOL"
        elif isinstance(v, str):
            ssi.hparams[k].string_value = v
            dtype = "DATA_TYPE_STRING"
        elif isinstance(v, Number):
            ssi.hparams[k].number_value = float(v)
            dtype = "DATA_TYPE_FLOAT64"
        else:
            raise ValueError(f"add_hparams: value of hparam {k!r} should be a bool, str, int or "
                             f"float (or a one-element tensor), got {type(v).__name__}")
        info = HParamInfo(name=k, type=DataType.Value(dtype))
        if k in domains:
            info.domain_discrete.CopyFrom(ListValue(values=[_value(x) for x in domains[k]]))
        infos.append(info)

    def wrap(tag, **content):
        data = HParamsPluginData(version=0, **content).SerializeToString()
        meta = SummaryMetadata(plugin_data=SummaryMetadata.PluginData(plugin_name="hparams",
                                                                      content=data))
        return Summary(value=[Summary.Value(tag=tag, metadata=meta)])

    exp = Experiment(hparam_infos=infos,
                     metric_infos=[MetricInfo(name=MetricName(tag=k)) for k in metric_dict])
    return (wrap("_hparams_/experiment", experiment=exp),
            wrap("_hparams_/session_start_info", session_start_info=ssi),
            wrap("_hparams_/session_end_info",
                 session_end_info=SessionEndInfo(status=Status.Value("STATUS_SUCCESS"))))
