#!/usr/bin/python3
"""Static int8 (QDQ) quantisation of a FaceGate recognizer, calibrated on crops outside the evaluation.

    apt-get install -y python3-onnx python3-numpy      # Debian's onnx 1.12; not needed by the app or its tests
    FACEGATE_MODELS_PATH=../shared/models nice -n 10 /usr/bin/python3 scripts/quantize-int8.py \
        [--model mobilefacenet-paddle] [--out /tmp/w4-int8/models] [--work /tmp/w4-int8/calib]

(/usr/bin/python3: Debian's interpreter, the one python3-onnx installs into.)

What it does, step by step (docs/face-pipeline.md, "int8 recognizer"):
1. Reads the float model named by the catalog (resources/models/catalog.json) from the first folder of
   FACEGATE_MODELS_PATH that holds it and checks its sha256 against the catalog.
2. Converts it to opset 13 (per-channel QuantizeLinear/DequantizeLinear need it; onnxruntime-node
   1.30 runs opsets 7-21) and lists the tensors to quantise: the activation inputs and outputs of
   every Conv, Gemm, MatMul and Add.
3. Calibration: exposes those tensors as outputs of a copy of the float model and runs it in
   onnxruntime-node (scripts/int8-calibrate.ts) on the calibration crops, taking each tensor's min
   and max. The default calibration set is the lfw-dev images of the 159 people who are in no pair
   of pairs.csv (180 photos): the pairs, which decide accuracy, are never seen; cfp-fp-dev is not
   touched at all.
   Before that, activation equalization (exact in float, see equalize()): per-tensor activation scales
   cannot serve channels whose ranges differ 100-fold, which made the first int8 file useless (cosine
   0.72 to the float embedding); equalized, 0.96.
4. Writes the QDQ graph: weights int8, symmetric, per output channel (Conv axis 0; Gemm/MatMul per
   tensor), within [-63, 63] by default (--weight-bits 7: on x86 without VNNI, ONNX Runtime's
   u8 x s8 kernels add pairs of products in int16, which saturates with 8-bit weights; the fused
   model then drifts from the QDQ graph's own arithmetic), biases int32 at scale x_scale * w_scale,
   activations uint8 asymmetric (or int8 symmetric with --activations int8), clipped to the range
   that minimises the squared quantisation error of the calibration histogram (--calibration mse; or
   minmax, percentile:P), one QuantizeLinear -> DequantizeLinear pair per tensor. ONNX Runtime's
   CPU provider fuses DQ -> Conv -> Q into QLinearConv and DQ -> Add -> Q into QLinearAdd; the script
   checks that it does (scripts/int8-calibrate.ts fused) and prints the fused graph's op counts.
   PRelu has no quantised kernel and stays float between a DQ and a Q.
5. Prints the file, its size and its sha256. Ranges are rounded outward to 4 significant digits, so
   the same calibration crops give the same bytes on another machine unless a range lands on a
   rounding boundary.

The file is written outside the repository (never commit models).
"""
import argparse
import csv
import hashlib
import json
import math
import os
import subprocess
import sys
from collections import Counter

try:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper, version_converter
except ImportError as error:
    sys.exit(f'{error}: run `apt-get install -y python3-onnx python3-numpy`, then this script with /usr/bin/python3 '
             "(Debian's interpreter; another python3 on the PATH does not see Debian's packages)")

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
QUANT_OPS = ('Conv', 'Gemm', 'MatMul', 'Add')
OPSET = 13


def sha256(path):
    h = hashlib.sha256()
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def find_model(model_id, models_path):
    catalog = json.load(open(os.path.join(REPO, 'resources/models/catalog.json')))
    spec = next((m for m in catalog['models'] if m['id'] == model_id), None)
    if spec is None:
        sys.exit(f"model '{model_id}' is not in resources/models/catalog.json")
    if spec['kind'] != 'arcface':
        sys.exit(f"model '{model_id}' is a {spec['kind']} model: calibration crops are made for ArcFace-style "
                 'recognizers only (the detector and liveness models were not faster in int8 here, docs/face-pipeline.md)')
    for root in models_path:
        candidate = os.path.join(root, spec['folder'], spec['fileName'])
        if os.path.isfile(candidate):
            digest = sha256(candidate)
            if digest != spec['sha256']:
                sys.exit(f'{candidate}: sha256 {digest}, the catalog says {spec["sha256"]}')
            return spec, candidate
    sys.exit(f"{spec['folder']}/{spec['fileName']} (model '{model_id}') is in none of {models_path}: "
             'set FACEGATE_MODELS_PATH to ../shared/models')


def default_calibration(root):
    """lfw-dev images of the people who appear in no pair (neither side, any fold)."""
    in_pairs = set()
    with open(os.path.join(root, 'pairs.csv')) as f:
        for row in csv.DictReader(f):
            in_pairs.add(row['a'].split('/')[1])
            in_pairs.add(row['b'].split('/')[1])
    with open(os.path.join(root, 'labels.csv')) as f:
        files = [row['file'] for row in csv.DictReader(f) if row['file'].split('/')[1] not in in_pairs]
    return sorted(files)


def round_out(lo, hi):
    """min/max widened to 4 significant digits (and to include 0, as a quantised zero must be exact)."""
    def r(v, up):
        if v == 0:
            return 0.0
        e = math.floor(math.log10(abs(v))) - 3
        q = v / 10 ** e
        return float((math.ceil(q) if up else math.floor(q)) * 10 ** e)
    return min(r(lo, False), 0.0), max(r(hi, True), 0.0)


def choose_range(stats, method, activations):
    """The clipping range of one tensor from its calibration min, max and histogram.

    minmax: the extremes seen. percentile:P: the P % and (100 - P) % points of the histogram.
    mse: the range (both ends searched on a grid of fractions of min and max) that minimises the
    expected squared error of quantising the histogram: step^2 / 12 inside, the clipped distance outside."""
    lo, hi = stats['min'], stats['max']
    if method == 'minmax':
        return lo, hi
    counts = np.array(stats['histogram'], dtype=np.float64)
    edges = np.linspace(lo, hi, len(counts) + 1)
    centres = (edges[:-1] + edges[1:]) / 2
    if method.startswith('percentile:'):
        p = float(method.split(':')[1]) / 100
        cum = np.cumsum(counts) / counts.sum()
        return float(edges[np.searchsorted(cum, 1 - p)]), float(edges[np.searchsorted(cum, p) + 1])
    if method != 'mse':
        sys.exit(f'unknown calibration method {method}')
    fractions = np.geomspace(0.02, 1.0, 60)
    los = np.minimum(lo, 0) * fractions
    his = np.maximum(hi, 0) * fractions
    if activations == 'int8':  # symmetric: one end decides the other
        bounds = [(-max(-a, b), max(-a, b)) for a, b in zip(los, his)]
    else:
        bounds = [(a, b) for a in los for b in his]
    best, best_err = (lo, hi), np.inf
    for a, b in bounds:
        step = (b - a) / (255.0 if activations == 'uint8' else 254.0)
        if step <= 0:
            continue
        clipped = np.clip(centres, a, b)
        err = np.sum(counts * ((centres - clipped) ** 2 + np.where(centres == clipped, step * step / 12, 0)))
        if err < best_err:
            best, best_err = (float(a), float(b)), err
    return best


def prepare(path):
    model = onnx.load(path)
    version = next(o.version for o in model.opset_import if o.domain in ('', 'ai.onnx'))
    if version < OPSET:
        model = version_converter.convert_version(model, OPSET)
    graph = model.graph
    inits = {i.name for i in graph.initializer}
    # IR 3 style: initializers listed as graph inputs are overridable, and ORT folds none of them.
    keep = [i for i in graph.input if i.name not in inits]
    del graph.input[:]
    graph.input.extend(keep)
    model = onnx.shape_inference.infer_shapes(model)
    return model


def equalize(model, stats):
    """Activation equalization, exact in float: for Conv A -> PRelu -> depthwise Conv B (A's output read
    by the PRelu alone, the PRelu's by B alone), divide A's output channel i (weights and bias) by s_i and
    multiply B's channel i weights by s_i. PRelu(x / s) = PRelu(x) / s for s > 0, so B's output is
    unchanged, and with per-channel weights neither A's nor B's weight precision changes; s_i = r_i /
    median(r), r_i the channel's largest magnitude before and after the PRelu on the calibration crops,
    gives every channel the same range, so one per-tensor activation scale fits them all."""
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    consumers = Counter(n for node in graph.node for n in node.input)
    producer = {o: node for node in graph.node for o in node.output}
    pairs = 0
    for b in graph.node:
        if b.op_type != 'Conv' or b.input[1] not in inits:
            continue
        prelu = producer.get(b.input[0])
        if prelu is None or prelu.op_type != 'PRelu' or consumers[prelu.output[0]] != 1:
            continue
        a = producer.get(prelu.input[0])
        if a is None or a.op_type != 'Conv' or consumers[a.output[0]] != 1 or a.input[1] not in inits:
            continue
        wb = numpy_helper.to_array(inits[b.input[1]])
        group = next((helper.get_attribute_value(x) for x in b.attribute if x.name == 'group'), 1)
        if wb.shape[1] != 1 or group != wb.shape[0]:
            continue  # B is not depthwise: scaling its input channels would change its weight precision
        ranges = [stats[n] for n in (a.output[0], prelu.output[0])]
        if any('channelMax' not in r for r in ranges):
            continue
        r = np.max([np.maximum(np.abs(x['channelMin']), np.abs(x['channelMax'])) for x in ranges], axis=0)
        r = np.maximum(r, 1e-6 * r.max())
        scale = (r / np.median(r)).astype(np.float64)
        wa = numpy_helper.to_array(inits[a.input[1]]).astype(np.float64)
        inits[a.input[1]].CopyFrom(numpy_helper.from_array(
            (wa / scale.reshape(-1, 1, 1, 1)).astype(np.float32), a.input[1]))
        if len(a.input) > 2 and a.input[2] in inits:
            ba = numpy_helper.to_array(inits[a.input[2]]).astype(np.float64)
            inits[a.input[2]].CopyFrom(numpy_helper.from_array((ba / scale).astype(np.float32), a.input[2]))
        inits[b.input[1]].CopyFrom(numpy_helper.from_array(
            (wb.astype(np.float64) * scale.reshape(-1, 1, 1, 1)).astype(np.float32), b.input[1]))
        pairs += 1
    return pairs


def tensors_to_quantise(model):
    graph = model.graph
    inits = {i.name for i in graph.initializer}
    names = []
    for node in graph.node:
        if node.op_type not in QUANT_OPS:
            continue
        activations = [n for n in node.input if n and n not in inits]
        if node.op_type == 'Add' and len(activations) != 2:
            continue  # an Add of a constant stays float
        if node.op_type in ('Gemm', 'MatMul') and (len(node.input) < 2 or node.input[1] not in inits):
            continue  # only products with a constant weight
        for n in (activations if node.op_type == 'Add' else activations[:1]) + [node.output[0]]:
            if n not in names:
                names.append(n)
    return names


def augmented(model, names, out):
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    existing = {o.name for o in copy.graph.output}
    graph_inputs = {i.name for i in copy.graph.input}
    for n in names:
        if n not in existing and n not in graph_inputs:
            copy.graph.output.append(helper.make_tensor_value_info(n, TensorProto.FLOAT, None))
    # The graph input itself cannot be an output: add an Identity so its range is measured too.
    for n in names:
        if n in graph_inputs:
            copy.graph.node.insert(0, helper.make_node('Identity', [n], [n + '__calib'], name=n + '__calib'))
            copy.graph.output.append(helper.make_tensor_value_info(n + '__calib', TensorProto.FLOAT, None))
    onnx.save(copy, out)


def quantise(model, ranges, activations, weight_bits=8):
    graph = model.graph
    inits = {i.name: i for i in graph.initializer}
    new_inits = []
    qparams = {}
    qmax = 2 ** (weight_bits - 1) - 1

    def const(name, array):
        new_inits.append(numpy_helper.from_array(array, name))
        return name

    # activation QDQ pairs
    qdq_nodes_after = {}
    for name, (lo, hi) in ranges.items():
        lo, hi = round_out(lo, hi)
        if hi - lo <= 0:
            hi = lo + 1e-6
        if activations == 'uint8':
            scale = (hi - lo) / 255.0 or 1.0
            zp = int(min(255, max(0, round(-lo / scale))))
            zp_arr = np.array(zp, dtype=np.uint8)
        else:
            scale = max(abs(lo), abs(hi)) / 127.0 or 1.0
            zp_arr = np.array(0, dtype=np.int8)
        scale = np.float32(scale)
        qparams[name] = scale
        s = const(name + '_scale', np.array(scale, dtype=np.float32))
        z = const(name + '_zero_point', zp_arr)
        q = helper.make_node('QuantizeLinear', [name, s, z], [name + '_quantized'], name=name + '_QuantizeLinear')
        dq = helper.make_node('DequantizeLinear', [name + '_quantized', s, z], [name + '_dequantized'],
                              name=name + '_DequantizeLinear')
        qdq_nodes_after[name] = (q, dq)

    weight_dq = []
    for node in graph.node:
        if node.op_type not in ('Conv', 'Gemm', 'MatMul'):
            continue
        x = node.input[0]
        if x not in qparams or len(node.input) < 2 or node.input[1] not in inits:
            continue
        w = numpy_helper.to_array(inits[node.input[1]]).astype(np.float32)
        bias_index = 2 if node.op_type in ('Conv', 'Gemm') else None
        has_bias = bias_index is not None and len(node.input) > 2 and node.input[2] in inits
        if node.op_type == 'Conv':
            axis = 0
            absmax = np.abs(w.reshape(w.shape[0], -1)).max(axis=1).astype(np.float64)
            w_scale = np.maximum(absmax / qmax, 1e-8)
            if has_bias:
                # A dead channel (weights ~1e-37, output = its bias) would need a bias beyond int32 at
                # scale x_scale * w_scale: widen that channel's weight scale until the bias fits in 2^30.
                b = np.abs(numpy_helper.to_array(inits[node.input[2]]).astype(np.float64))
                w_scale = np.maximum(w_scale, b / (float(qparams[x]) * 2.0 ** 30))
            w_scale = w_scale.astype(np.float32)
            wq = np.clip(np.round(w / w_scale.reshape(-1, *([1] * (w.ndim - 1)))), -qmax, qmax).astype(np.int8)
            w_zp = np.zeros(w.shape[0], dtype=np.int8)
        else:
            axis = None
            absmax = float(np.abs(w).max())
            w_scale = np.array(absmax / qmax if absmax > 0 else 1.0, dtype=np.float32)
            wq = np.clip(np.round(w / w_scale), -qmax, qmax).astype(np.int8)
            w_zp = np.array(0, dtype=np.int8)
        wname = node.input[1]
        const(wname + '_quantized', wq)
        const(wname + '_scale', w_scale)
        const(wname + '_zero_point', w_zp)
        attrs = {'axis': axis} if axis is not None else {}
        weight_dq.append(helper.make_node('DequantizeLinear', [wname + '_quantized', wname + '_scale', wname + '_zero_point'],
                                          [wname + '_dequantized'], name=wname + '_DequantizeLinear', **attrs))
        node.input[1] = wname + '_dequantized'
        if has_bias:
            bname = node.input[2]
            b = numpy_helper.to_array(inits[bname]).astype(np.float64)
            b_scale = (np.float64(qparams[x]) * w_scale.astype(np.float64)).astype(np.float32)
            bq = np.round(b / b_scale.astype(np.float64)).astype(np.int32)
            const(bname + '_quantized', bq)
            const(bname + '_scale', b_scale)
            const(bname + '_zero_point', np.zeros(b_scale.shape, dtype=np.int32))
            battrs = {'axis': 0} if b_scale.ndim == 1 else {}
            weight_dq.append(helper.make_node('DequantizeLinear', [bname + '_quantized', bname + '_scale', bname + '_zero_point'],
                                              [bname + '_dequantized'], name=bname + '_DequantizeLinear', **battrs))
            node.input[2] = bname + '_dequantized'

    # rewire consumers of each quantised activation to its DQ output, then rebuild the node list in order
    for node in graph.node:
        for i, n in enumerate(node.input):
            if n in qdq_nodes_after:
                node.input[i] = n + '_dequantized'
    nodes = list(weight_dq)
    graph_inputs = [i.name for i in graph.input]
    for n in graph_inputs:
        if n in qdq_nodes_after:
            nodes.extend(qdq_nodes_after[n])
    for node in graph.node:
        nodes.append(node)
        for out in node.output:
            if out in qdq_nodes_after:
                nodes.extend(qdq_nodes_after[out])
    # graph outputs keep their float producer; a quantised graph output is read by its consumers only
    used = {n for node in nodes for n in node.input}
    used.update(o.name for o in graph.output)
    replaced = {name for name in inits if name + '_quantized' in {t.name for t in new_inits}}
    del graph.node[:]
    graph.node.extend(nodes)
    kept = [i for i in graph.initializer if i.name not in replaced and i.name in used]
    del graph.initializer[:]
    graph.initializer.extend(kept + new_inits)
    del graph.value_info[:]
    model.ir_version = 7  # opset 13's IR; onnxruntime-node 1.30 reads IR 3-11
    model.producer_name = 'facegate scripts/quantize-int8.py'
    model.producer_version = '1'
    return model


def node_counts(path):
    return dict(sorted(Counter(n.op_type for n in onnx.load(path).graph.node).items()))


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--model', default='mobilefacenet-paddle', help='catalog id of the float model')
    parser.add_argument('--out', default='/tmp/w4-int8/models', help='output folder (outside the repository)')
    parser.add_argument('--work', default='/tmp/w4-int8/calib', help='folder for the calibration files')
    parser.add_argument('--calibration-root', default=os.path.join(REPO, '../shared/datasets/lfw-dev'))
    parser.add_argument('--calibration-list', help='image paths relative to --calibration-root, one a line '
                        '(default: the lfw-dev people in no pair)')
    parser.add_argument('--activations', choices=('uint8', 'int8'), default='uint8')
    parser.add_argument('--calibration', default='mse', help='minmax, percentile:P (e.g. percentile:99.99) or mse')
    parser.add_argument('--weight-bits', type=int, choices=(7, 8), default=7,
                        help='7: weights in [-63, 63], so that u8 x s8 pair sums cannot saturate in int16 '
                        "(x86 AVX2 without VNNI; ONNX Runtime's reduce_range)")
    parser.add_argument('--no-equalize', dest='equalize', action='store_false',
                        help='skip the activation equalization of Conv -> PRelu -> depthwise Conv pairs')
    parser.add_argument('--name', help='output file name (default <model file>_int8_qdq.onnx)')
    args = parser.parse_args()

    models_path = [p for p in os.environ.get('FACEGATE_MODELS_PATH', os.path.join(REPO, '../shared/models')).split(':') if p]
    spec, source = find_model(args.model, models_path)
    os.makedirs(args.work, exist_ok=True)
    os.makedirs(args.out, exist_ok=True)
    print(f'float model: {source} (sha256 {spec["sha256"]})')

    model = prepare(source)
    names = tensors_to_quantise(model)
    files = (open(args.calibration_list).read().split() if args.calibration_list
             else default_calibration(args.calibration_root))
    listing = os.path.join(args.work, f'{args.model}.calibration.txt')
    with open(listing, 'w') as f:
        f.write('\n'.join(files) + '\n')
    tsx = [os.path.join(REPO, 'node_modules/.bin/tsx'), os.path.join(REPO, 'scripts/int8-calibrate.ts')]

    def calibrate(stage):
        aug = os.path.join(args.work, f'{args.model}.{stage}.augmented.onnx')
        augmented(model, names, aug)
        ranges_file = os.path.join(args.work, f'{args.model}.{stage}.ranges.json')
        key = sha256(aug) + sha256(listing) + sha256(tsx[1])  # same model, images and helper
        cached = json.load(open(ranges_file)) if os.path.exists(ranges_file) else {}
        if cached.get('key') == key:
            print(f'calibration ranges reused from {ranges_file} (same model, images and helper)')
            return cached
        subprocess.run(tsx + ['ranges', args.model, aug, listing, args.calibration_root, ranges_file],
                       check=True, cwd=REPO)
        measured = json.load(open(ranges_file))
        measured['key'] = key
        json.dump(measured, open(ranges_file, 'w'))
        return measured

    measured = calibrate('float')
    if args.equalize:
        pairs = equalize(model, measured['ranges'])
        print(f'equalized {pairs} Conv -> PRelu -> depthwise Conv pairs')
        measured = calibrate('equalized')
    ranges = {}
    for n in names:
        key = n + '__calib' if n + '__calib' in measured['ranges'] else n
        if key not in measured['ranges']:
            sys.exit(f'calibration gave no range for {n}')
        ranges[n] = choose_range(measured['ranges'][key], args.calibration, args.activations)
    print(f'calibration: {measured["images"]} crops of {len(files)} images '
          f'({args.calibration_list or "lfw-dev people in no pair"}), {len(ranges)} tensors')

    quantised = quantise(model, ranges, args.activations, args.weight_bits)
    onnx.checker.check_model(quantised)
    stem = os.path.splitext(spec['fileName'])[0]
    name = args.name or f'{stem}_int8_qdq.onnx'
    out = os.path.join(args.out, name)
    onnx.save(quantised, out)
    optimised = os.path.join(args.work, f'{args.model}.ort-optimised.onnx')
    subprocess.run(tsx + ['fused', out, optimised], check=True, cwd=REPO)
    fused = node_counts(optimised)
    print(f'written: {out}')
    print(f'opset {OPSET}, IR {quantised.ir_version}, activations {args.activations} ({args.calibration}), '
          f'weights int{args.weight_bits} per channel, equalization {"on" if args.equalize else "off"}')
    print(f'graph: {node_counts(out)}')
    print(f'as ONNX Runtime runs it (level all, CPU): {fused}')
    if not any(op.startswith('QLinear') or op == 'QLinearConv' for op in fused):
        sys.exit('ONNX Runtime fused no QLinear op: the QDQ graph is not what its CPU provider expects')
    print(f'bytes {os.path.getsize(out)}')
    print(f'sha256 {sha256(out)}')


if __name__ == '__main__':
    main()
