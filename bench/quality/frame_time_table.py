"""One task's table of bench/quality/frame-time.sh: every network as served (ONNX Runtime: PSNR/SSIM of seed 1's
training, the side-by-side latency at 640×360), its PSNR over both retraining seeds, and the found network against the
hand reference, the hand stack and the median of the space's uniform draws.
Usage: frame_time_table.py TASK_DIR HAND… (ARCH:DEPTH:WIDTH, e.g. ffdnet:7:48; the first is the selection's reference)"""
import json, os, statistics, sys

work, hands = sys.argv[1], sys.argv[2:]
arm = "adam-log-mse-drop50-single-path-30-10-30-240"
found = f"{arm}-trained4-as-{hands[0].replace(':', '-')}"
drawn = [f"{arm}-drawn{n}" for n in (1, 2, 3)]


def load(path):
    with open(path) as f:
        return json.load(f)


latency = {os.path.realpath(e["package"]): e["measured_ms"] for e in map(json.loads, open(f"{work}/latency.jsonl"))}


def served(net):  # (PSNR, SSIM, params, ms) of seed 1's package, and the input PSNR
    e = load(f"{work}/train-{net}/package.eval.json")
    return e["psnr"], e["ssim"], e["params"], latency[os.path.realpath(f"{work}/train-{net}/package")], e["input_psnr"]


def seeds(net):  # PSNR (checkpoint evaluation) of each retraining seed
    return [load(f"{work}/train-{n}.eval.json")["psnr"] for n in (net, f"{net}-seed2") if os.path.exists(f"{work}/train-{n}.eval.json")]


def mean(net):
    return statistics.mean(seeds(net))


def genotype(net):
    path = f"{work}/{net}/genotype.json"
    return load(path) if os.path.exists(path) else None


def describe(g):  # each layer's operations and what they read (the previous layer unless named), dead layers named
    if g is None:
        return ""
    short = {"conv_3x3": "conv", "dil_conv_3x3": "dil", "skip_connect": "skip"}
    cells = g["cells"]
    live = [False] * len(cells)
    needed = len(cells) - 1  # the head reads the last layer; a live layer reads the one before (input 0) or two before (input 1)
    wanted = {needed}
    for i in reversed(range(len(cells))):
        if i in wanted:
            live[i] = True
            wanted |= {i - 1 - src for op, src in cells[i] if op != "none"}
    def source(i, src):
        return "" if src == 0 or i == 0 else " (stem)" if i == 1 else f" (layer {i - 1})"
    return " → ".join("+".join(short.get(op, op) + source(i, src) for op, src in cell if op != "none") if live[i] else "dead"
                      for i, cell in enumerate(cells))


budget = load(f"{work}/{arm}/options.json")["budget_ms"]  # the search's
rows = [("found: the search's pick (best of its top 4 by a short training)", found),
        ("the ranking's first", arm),
        *[(f"uniform draw {n} within the budget", net) for n, net in enumerate(drawn, 1)],
        (f"hand stack: {load(f'{work}/hand-stack/genotype.json')['layers']} convolutions 3×3 in a row in the space", "hand-stack"),
        *[(f"hand design: {hand}", hand.replace(":", "-")) for hand in hands]]
print(f"Budget: {budget:.1f} ms by the task's latency table (the hand stack's prediction and 5 %), band 0.9.\n")
print("| network | layers | params | ms at 640×360 | PSNR dB served (seed 1) | SSIM | PSNR dB seeds 1 / 2 (mean) |")
print("|---|---|---|---|---|---|---|")
for label, net in rows:
    psnr, ssim, params, ms, _ = served(net)
    s = seeds(net)
    print(f"| {label} | {describe(genotype(net))} | {params:,} | {ms:.1f} | {psnr:.2f} | {ssim:.4f} | "
          + " / ".join(f"{x:.2f}" for x in s) + f" ({statistics.mean(s):.2f}) |")

median = statistics.median(mean(n) for n in drawn)
f_psnr, _, f_params, f_ms, input_psnr = served(found)
print(f"\nInput {input_psnr:.2f} dB. Over the mean of two retraining seeds, the found network against:\n")
print("| reference | PSNR dB | found − reference | params found / reference | ms found / reference |")
print("|---|---|---|---|---|")
for label, net in (*[(f"hand design {hand}", hand.replace(":", "-")) for hand in hands], ("hand stack in the space", "hand-stack")):
    _, _, params, ms, _ = served(net)
    print(f"| {label} | {mean(net):.2f} | {mean(found) - mean(net):+.2f} | {f_params:,} / {params:,} | {f_ms:.1f} / {ms:.1f} |")
print(f"| median of the 3 uniform draws | {median:.2f} | {mean(found) - median:+.2f} | | |")
