#!/usr/bin/env python3
"""PyTorch side of `saplab bench`: the same model, weights, inputs and workloads as TF.js.

Usage: bench_torch.py DIR, where DIR holds `manifest.json` and `data.bin` (float32, little
endian) written by lib/bench/torch_export.ts: the layers of a sequential model (conv2d, maxpool,
flatten, dense; ReLU or linear) with TF.js weight layouts, the inputs `x` (NHWC) and labels `y`,
and the TF.js logits and input gradient for a same-model check. Each workload is timed with each
thread count of `threads` (torch.set_num_threads). Prints one JSON object:
{"version", "rows": [{"name", "threads", "medianMs", "minMs", "timesMs"}], "check": {...}}.

Workloads (names shared with WORKLOADS in lib/bench/workloads.ts):
  forward         logits of the batch, under torch.no_grad()
  input-gradient  gradient of the mean softmax cross-entropy with respect to the input
"""
import json
import math
import os
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F


def load(folder):
    with open(os.path.join(folder, "manifest.json")) as f:
        manifest = json.load(f)
    data = np.fromfile(os.path.join(folder, "data.bin"), dtype="<f4")

    def tensor(entry):
        n = int(np.prod(entry["shape"])) if entry["shape"] else 1
        return torch.from_numpy(data[entry["offset"]:entry["offset"] + n].reshape(entry["shape"]).copy())

    return manifest, tensor


def same_padding(size, kernel, stride):
    """TensorFlow 'same' padding (before, after) along one dimension."""
    out = math.ceil(size / stride)
    total = max((out - 1) * stride + kernel - size, 0)
    return total // 2, total - total // 2


def build(manifest, tensor):
    """A function NCHW input -> logits equal to the TF.js model."""
    steps = []
    for layer in manifest["layers"]:
        kind = layer["type"]
        if kind == "conv2d":
            weight = tensor(layer["kernel"]).permute(3, 2, 0, 1).contiguous()  # [co, ci, kh, kw]
            bias = tensor(layer["bias"]) if layer.get("bias") else None
            steps.append(("conv2d", weight, bias, tuple(layer["strides"]), layer["padding"], layer["activation"]))
        elif kind == "maxpool":
            steps.append(("maxpool", tuple(layer["poolSize"]), tuple(layer["strides"]), layer["padding"]))
        elif kind == "flatten":
            steps.append(("flatten",))
        elif kind == "dense":
            weight = tensor(layer["kernel"]).t().contiguous()  # [out, in]
            bias = tensor(layer["bias"]) if layer.get("bias") else None
            steps.append(("dense", weight, bias, layer["activation"]))
        else:
            raise ValueError(f"unsupported layer {kind}")

    def forward(h):
        for step in steps:
            kind = step[0]
            if kind == "conv2d":
                _, weight, bias, strides, padding, act = step
                if padding == "same":
                    kh, kw = weight.shape[2], weight.shape[3]
                    top, bottom = same_padding(h.shape[2], kh, strides[0])
                    left, right = same_padding(h.shape[3], kw, strides[1])
                    h = F.pad(h, (left, right, top, bottom))
                h = F.conv2d(h, weight, bias, stride=strides)
                if act == "relu":
                    h = F.relu(h)
            elif kind == "maxpool":
                _, size, strides, padding = step
                if padding == "same":
                    top, bottom = same_padding(h.shape[2], size[0], strides[0])
                    left, right = same_padding(h.shape[3], size[1], strides[1])
                    h = F.pad(h, (left, right, top, bottom), value=-math.inf)
                h = F.max_pool2d(h, size, strides)
            elif kind == "flatten":
                h = h.permute(0, 2, 3, 1).reshape(h.shape[0], -1)  # TF.js flattens NHWC
            elif kind == "dense":
                _, weight, bias, act = step
                h = F.linear(h, weight, bias)
                if act == "relu":
                    h = F.relu(h)
        return h

    return forward


def timed(run, repeats, warmup):
    for _ in range(warmup):
        run()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1000)
    return {"medianMs": statistics.median(times), "minMs": min(times), "timesMs": times}


def main():
    manifest, tensor = load(sys.argv[1])
    forward = build(manifest, tensor)
    x = tensor(manifest["tensors"]["x"]).permute(0, 3, 1, 2).contiguous()  # NCHW, PyTorch's layout
    y = tensor(manifest["tensors"]["y"]).long()

    def run_forward():
        with torch.no_grad():
            return forward(x)

    def input_gradient():
        xg = x.detach().requires_grad_(True)
        loss = F.cross_entropy(forward(xg), y)
        return torch.autograd.grad(loss, xg)[0]

    workloads = {"forward": run_forward, "input-gradient": input_gradient}
    rows = []
    for threads in manifest.get("threads", [2]):
        torch.set_num_threads(int(threads))
        for name in manifest["workloads"]:
            if name not in workloads:
                raise ValueError(f"unknown workload {name}")
            rows.append({"name": name, "threads": torch.get_num_threads(), **timed(workloads[name], manifest["repeats"], manifest["warmup"])})

    ref_logits = tensor(manifest["tensors"]["logits"])
    ref_grad = tensor(manifest["tensors"]["grad"])
    grad = input_gradient().permute(0, 2, 3, 1)
    check = {
        "logitsMaxAbsDiff": float((run_forward() - ref_logits).abs().max()),
        "gradientMaxRelDiff": float((grad - ref_grad).abs().max() / (ref_grad.abs().max() + 1e-30)),
    }
    print(json.dumps({"version": torch.__version__, "rows": rows, "check": check}))


if __name__ == "__main__":
    main()
