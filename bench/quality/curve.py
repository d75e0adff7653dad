"""Validation PSNR against training iterations for one or more training folders (their events.jsonl), as a Markdown
table on stdout and a PNG, to show where a retraining flattens.
Usage: curve.py OUT.png TRAIN_DIR[=LABEL] [TRAIN_DIR[=LABEL] …]   (LABEL: the curve's name; default the folder and its network)"""
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

out, dirs = sys.argv[1], sys.argv[2:]
curves = {}
for arg in dirs:
    d, _, given = arg.partition("=")
    points = {}
    for line in open(os.path.join(d, "events.jsonl")):
        e = json.loads(line)
        if e.get("kind") == "validation":
            points[e["iteration"]] = e["validation_psnr"]  # a resumed run repeats the last validations: keep the newest
    summary = json.load(open(os.path.join(d, "summary.json"))) if os.path.exists(os.path.join(d, "summary.json")) else None
    label = given or os.path.relpath(d) + (f" ({summary['network']})" if summary else "")
    curves[label] = sorted(points.items())

iterations = sorted({i for c in curves.values() for i, _ in c})
print("| iteration | " + " | ".join(curves) + " |")
print("|---|" + "---|" * len(curves))
for i in iterations:
    cells = [next((f"{p:.2f}" for j, p in c if j == i), "") for c in curves.values()]
    print(f"| {i:,} | " + " | ".join(cells) + " |")

plt.figure(figsize=(7, 4.5))
for label, c in curves.items():
    plt.plot([i for i, _ in c], [p for _, p in c], marker="o", markersize=3, label=label)
plt.xlabel("training iterations")
plt.ylabel("validation PSNR (dB)")
plt.grid(alpha=0.3)
plt.legend(fontsize=7)
plt.tight_layout()
plt.savefig(out, dpi=120)
