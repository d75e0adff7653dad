"""Reads front.jsonl (bench/latency/front.sh) and writes a markdown table to stdout and the quality/latency plot."""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
refused = [r for r in rows if "refused" in r]
rows = [r for r in rows if "refused" not in r]
seeds = max((len(r.get("psnr_seeds", [0])) for r in rows), default=1)
psnr_heading = f"PSNR (dB), mean of {seeds} trainings (their range)" if seeds > 1 else "PSNR (dB)"
print(f"| network | budget ms | the search's own network within budget (its timing) | measured ms (640×360, ONNX Runtime) | measured ≤ budget | predicted ms | {psnr_heading} | params |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    budget = f"{r['budget_ms']:.1f}" if "budget_ms" in r else "—"
    fits = ("yes" if r["meets_budget"] else ("no: closest within-budget net used" if r["within_budget_used"] else "no, and none exists")) if "budget_ms" in r else "—"
    within = ("**yes**" if r["measured_within_budget"] else "**NO**") if "budget_ms" in r else "—"
    predicted = f"{r['predicted_ms']:.1f}" if r.get("predicted_ms") is not None else "—"
    picked = f" (selected: {r['selected']}, place {r['selected_place']} of the ranking, of {r['selection_trained']} trained)" if "selected" in r else ""
    psnrs = r.get("psnr_seeds", [r["psnr"]])
    psnr = f"{r['psnr']:.2f}" + (f" ({min(psnrs):.2f}–{max(psnrs):.2f})" if len(psnrs) > 1 else (" (one training)" if seeds > 1 else ""))
    print(f"| {r['net']}{picked} | {budget} | {fits} | {r['measured_ms']:.1f} | {within} | {predicted} | {psnr} | {r['params']:,} |")
for r in refused:
    print(f"| {r['net']} | {r['budget_ms']:.1f} | refused before the search: {r['refused']} | — | — | — | — | — |")
def is_baseline(r):
    return r["net"].startswith(("dncnn", "ffdnet"))


def is_found(r):
    return r["net"] == "free" or r["net"].startswith(("free-x", "at-")) or (r["net"].startswith("b") and not is_baseline(r))


# the test: at every hand design's latency, a found network at most as slow is ≥ 0.2 dB better
verdicts = []
for b in (r for r in rows if is_baseline(r)):
    rivals = [r for r in rows if is_found(r) and r["measured_ms"] <= b["measured_ms"]]
    if not rivals:
        verdicts.append(f"- {b['net']} ({b['measured_ms']:.1f} ms, {b['psnr']:.2f} dB): no found network is as fast — **missed**")
        continue
    best = max(rivals, key=lambda r: r["psnr"])
    margin = best["psnr"] - b["psnr"]
    verdicts.append(f"- {b['net']} ({b['measured_ms']:.1f} ms, {b['psnr']:.2f} dB): best found network at most as slow is {best['net']} "
                    f"({best['measured_ms']:.1f} ms, {best['psnr']:.2f} dB), {margin:+.2f} dB — **{'met' if margin >= 0.2 - 1e-9 else 'missed'}**")
if verdicts:
    print()
    print("At each hand design's latency (goal: a found network ≥ 0.2 dB better):")
    print("\n".join(verdicts))
if rows:
    print()
    print(f"Unconstrained net measured at {rows[0]['l0_ms']:.1f} ms when the budgets were set; floor of the space (its cheapest network) {rows[0]['floor_measured_ms']:.1f} ms measured, {rows[0]['floor_ms']:.1f} ms predicted.")

fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
for r in rows:
    if r["net"].startswith("dncnn"):
        label, marker, colour = "DnCNN (hand-designed)", "s", "tab:red"
    elif r["net"].startswith("ffdnet"):
        label, marker, colour = "FFDNet (hand-designed)", "D", "tab:orange"
    elif r["net"] == "free":
        label, marker, colour = "HiNAS, no budget", "o", "tab:blue"
    elif r["net"].startswith("free-x"):
        label, marker, colour = "HiNAS, no budget, retrained wider", "o", "tab:purple"
    elif r["net"].startswith("random"):
        label, marker, colour = "random genotypes", "x", "tab:gray"
    elif r["net"].startswith("at-"):
        label, marker, colour = "HiNAS at a hand design's latency", "v", "tab:cyan"
    else:
        label, marker, colour = "HiNAS with a latency budget", "^", "tab:green"
    ax.scatter(r["measured_ms"], r["psnr"], marker=marker, color=colour, label=label, s=60)
    ax.annotate(r["net"], (r["measured_ms"], r["psnr"]), textcoords="offset points", xytext=(5, 4), fontsize=8)
    if "budget_ms" in r:
        ax.axvline(r["budget_ms"], color="tab:green", alpha=0.25, linestyle="--")
for r in refused:
    ax.axvline(r["budget_ms"], color="tab:red", alpha=0.4, linestyle=":", label="refused budget (under the space's floor)")
if rows:
    ax.axvline(rows[0]["floor_measured_ms"], color="black", alpha=0.5, linestyle="-.", label="floor of the space (measured)")
handles, labels = ax.get_legend_handles_labels()
unique = dict(zip(labels, handles))
ax.legend(unique.values(), unique.keys(), fontsize=8, loc="lower center")
ax.set_xlabel("measured latency per 640×360 RGB frame (ms, ONNX Runtime, 2 CPU cores)")
ax.set_ylabel("PSNR on opencv-doc photos, σ 25 (dB)" + (f", mean of {seeds} trainings" if seeds > 1 else ""))
ax.set_title(f"Denoising σ 25 RGB: quality / latency ({sys.argv[3] if len(sys.argv) > 3 else 'the same'} training iterations each)", fontsize=10)
ax.grid(alpha=0.3)
fig.tight_layout()
fig.savefig(sys.argv[2])
